#!/usr/bin/env python3
"""Write huggingtweets/data/sample_archive.zip: the X archive of a fictional account, Goldie Fitch (@crumbsandcomets).

Goldie is a cheerful amateur astronomer and home baker in the (also fictional) village of Little Harrow. Her
sourdough starter is called Cassini, her 8-inch Dobsonian is Big Bertha, her cat is Biscuit, and the clouds are
"the Cloud Committee". Every person, account, link and post here was written for this project.

The archive has the shape of a real X "download your archive" export: `data/tweets.js`
(`window.YTD.tweets.part0 = [...]`), `data/account.js`, `data/profile.js` and `data/note-tweet.js`, with numbers
as strings, `created_at` in X's format and HTML entities escaped as X escapes them. It shows every case the reader
and the cleaning stage handle: reposts (`RT @x: ...`), replies, links (t.co), mentions, hashtags, HTML entities,
very short posts, duplicates and a long post whose full text is only in `note-tweet.js`.

The output is deterministic: a seeded RNG, fixed zip timestamps. Run: `python tools/make_sample_archive.py`.
"""
import html, json, random, re, zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent/'huggingtweets'/'data'/'sample_archive.zip'
HANDLE, NAME, ACCOUNT_ID = 'crumbsandcomets', 'Goldie Fitch ☄️🍞', '1402558130917761025'
START, END = datetime(2023, 6, 1, tzinfo=timezone.utc), datetime(2024, 7, 31, tzinfo=timezone.utc)
USERS = {'ferncrumb': ('Fern Adeyemi', '1190233844'), 'orbitalolu': ('Olu Bankole', '2887710032'),
         'tessaobserves': ('Tessa Marr', '3320918845'), 'harrowastroclub': ('Harrow Astro Club', '880192734'),
         'jonnyrye': ('Jonny Rye', '5512093377'), 'millstonemill': ('Millstone Mill', '745501928'),
         'nightowlnerd': ('Priya (night owl)', '1022938477'), 'loafandledger': ('Loaf & Ledger', '6619203345'),
         'littleharrowlib': ('Little Harrow Library', '931827364'), 'skyguidemags': ('Mags — Sky Guide', '4410293851'),
         HANDLE: (NAME, ACCOUNT_ID)}
LINKS = ['crumbsandcomets.blog/2023/06/first-light', 'crumbsandcomets.blog/recipes/cassini-country-loaf',
         'crumbsandcomets.blog/2023/08/perseids-and-pretzels', 'harrowastroclub.org.uk/events',
         'crumbsandcomets.blog/recipes/rye-for-jonny', 'crumbsandcomets.blog/2023/10/bortle-blues',
         'littleharrow-library.org.uk/talks', 'crumbsandcomets.blog/recipes/moon-cookies',
         'crumbsandcomets.blog/2024/01/sketching-orion', 'crumbsandcomets.blog/2024/05/aurora-night',
         'crumbsandcomets.blog/2023/12/a-year-of-loaves-and-light']

# Her own posts, in her voice. `{link}` becomes a t.co link. A (text, date) pair pins a post to a date.
NIGHT = [
    "Big Bertha is out on the patio and the sky is actually clear. I repeat: the sky is CLEAR. Oh my stars 🔭✨",
    "Saturn tonight! Rings tilted so thin they look like someone drew them with a very sharp pencil. Made a little squeak out loud.",
    "Found M13 on the first try without the finder. Either I'm getting good or the universe felt sorry for me.",
    "The Cloud Committee met at 10pm sharp and voted unanimously to ruin my evening. Again. ☁️☁️☁️",
    "Jupiter and three moons lined up like buttons on a coat. Biscuit came out to supervise and sat on my star chart.",
    "Dew shield on, flask of cocoa on, fingers still freezing. Worth it for the Orion Nebula though. Worth it every time.",
    "Nobody warns you that the hardest part of astronomy is not touching the eyepiece with your nose.",
    "Sketched the Moon near the terminator tonight. Copernicus looked like a thumbprint in bread dough. Everything looks like bread to me, sorry.",
    "Tried to split Epsilon Lyrae, the Double Double. Got two. Then four!! Little victories at 11pm in the garden.",
    "Neighbour's new security light has the brightness of a small sun. Have baked them a loaf as a peace offering before I ask nicely about it.",
    "Update: the neighbour loved the loaf AND angled the light down. Bread diplomacy works, friends.",
    "Andromeda is so faint from my garden it's basically a rumour. But it's a rumour I believe in.",
    "Bortle 5 skies and a heart full of hope. That's the whole bio really.",
    "Comet hunting tonight with binoculars. Found: a satellite, two planes, a bat. Comets found: zero. Morale: surprisingly high.",
    ("Comet Nishimura low in the east before dawn! Tiny, fuzzy and totally worth the 4:45am alarm. Then straight into the kitchen to feed Cassini.", '2023-09-09'),
    "Moonrise over the church tower tonight, huge and orange like a blood-orange marmalade. I stood in the lane like a lemon.",
    "Reminder that the Moon is the best target for beginners and anyone who says otherwise hasn't seen the Apennine mountains at first quarter.",
    "Collimated Big Bertha with a laser and a lot of muttering. The stars are pinpoints again. I feel like a surgeon.",
    "Red torch, star chart, cocoa, three jumpers. I look like a very cosy burglar.",
    "Tonight's seeing: wobbly. Saturn looked like it was underwater. Packed up and made toast instead. No regrets.",
    "Some nights you don't find anything and you just lie on the lawn and look up. Those count too.",
    ("Perseids peaking tonight!! Counted 31 in an hour from the back field, including one green fireball that made me shout WHOA at nobody. #Perseids", '2023-08-13'),
    ("Still buzzing from last night. 31 meteors and a fireball. Slept four hours, baked anyway. #Perseids", '2023-08-14'),
    ("Geminids! Cold, clear and generous. 44 in ninety minutes. My toes may never recover. #Geminids", '2023-12-14'),
    ("I can't believe it. AURORA. From Little Harrow. Pink and green pillars over the allotments. Half the village was out in pyjamas. #aurora", '2024-05-10'),
    ("Still thinking about the aurora. Biscuit refused to come out. Cats have no sense of occasion.", '2024-05-11'),
    ("Watching the eclipse stream from America with a cup of tea and a crumpet. Totality made me cry a little. Next one's mine. #eclipse", '2024-04-08'),
    "Venus so bright tonight that a man walking his dog asked if it was a drone. No sir, that's a whole planet.",
    "The Pleiades through binoculars is still the single prettiest thing I know. Seven sisters, dozens of cousins.",
    "Spent an hour on the Double Cluster in Perseus. Two handfuls of sugar thrown on black velvet.",
    "Lent Big Bertha to the library's stargazing night. Forty children, one telescope, zero fingerprints on the mirror. A miracle.",
    "My star-hopping route to the Ring Nebula: start at Vega, take a left at the parallelogram, stop at the smoke ring. Easy peasy.",
    "Cloudy for eleven nights straight. I've started talking to the weather app like it's a person.",
    "The ISS went over at 22:14 and I waved. I always wave. Someone up there might be looking down.",
    "Messier count for the year: 38. The goal was 40. There's still a week and hope is a renewable resource.",
    "Messier 40 is a pair of faint stars that Messier thought was a nebula and honestly I relate to being that wrong that confidently.",
    "First time seeing the Cassini Division properly and yes, I did name my sourdough starter after it, and yes, I told Saturn.",
    "Clear sky, no Moon, no wind. Went out at 10, came in at 2. Sketchbook full. This is happiness, I'm fairly sure.",
    "Albireo: one gold star, one blue star, side by side. If you only look at one double star this year, make it this one.",
    "The Moon was so bright tonight I could read my chart without the torch. Rubbish for galaxies, lovely for walks.",
    "Saw my first Starlink train tonight. Pretty, I admit. Also slightly worrying for the future of dark skies.",
    "Pointed Big Bertha at the Whirlpool Galaxy. Saw a faint smudge. Knowing it's 23 million light years away made the smudge feel very important.",
    "Orion's back over the hedge in the mornings. Autumn is officially here, whatever the calendar says.",
    "The Beehive Cluster! I had to. It's basically a bakery for bees.",
    "Frost on the tube, frost on the chart, frost on my eyebrows. Winter observing is a contact sport.",
    "New eyepiece arrived. Put it in. Clouds arrived. Classic.",
    "Mars is tiny this year. A small orange crumb. Still said hello.",
    "Tonight I showed my mum the rings of Saturn and she said oh! just like in the books. Best review Big Bertha has ever had.",
    "Lying on the trampoline looking for satellites. Counted nine. This is my cardio.",
    "Eta Aquariids this morning before dawn. Saw four. Four is a number. Four is plenty.",
    "There's a particular silence at 1am in winter when even the owls have gone to bed. Just me, the stars and a kettle ticking as it cools.",
    "The Milky Way was faintly visible tonight from the top of Beacon Hill. Faint! But there! Drove home grinning.",
    "When the sky is clear on a work night you have to make hard choices. I chose the telescope. Tomorrow-me will be tired and proud.",
    "Dark adaptation ruined by checking my phone. Twenty minutes to get it back. Learn from me.",
    "Saw the Crab Nebula for the first time. It looks nothing like a crab and exactly like a very faint smudge of flour. I'm delighted.",
    "Orion is rising earlier every week now. The hunter's back, which means cocoa season is back, which means I'm happy.",
    "Finally saw the Veil Nebula with the new filter. Wisps of smoke from a star that blew up before there was bread. Or people.",
    "Set up at dusk, waited for dark, got twenty glorious minutes before fog rolled in off the river. Twenty minutes is a gift.",
    "Tonight's target list: M27, M57, Albireo, and whatever Biscuit doesn't knock over.",
    "The Moon and Jupiter side by side over the bakery roof. Stood in the street with my mouth open like a fish.",
    "My observing chair squeaks. The owls have started squeaking back. We're friends now.",
    "Light pollution report from the garden: the new streetlight is a warm one and points down. Thank you, council! Small wins.",
    "Spent tonight showing Mrs Patel the craters on the Moon. She called them dimples. She's not wrong.",
    "Tried astrophotography. Took 200 photos. One is good. It's of my thumb. Back to sketching.",
    "Clouds parted for exactly long enough to see Saturn, then closed like curtains. Thank you for the show, sky.",
    "Ten years ago today I bought my first pair of binoculars from a charity shop for £8. Best £8 I ever spent.",
]
MORNING = [
    "Cassini is bubbling like she's got something to say this morning. Levain's built, kettle's on, let's bake 🍞",
    "Crumb report: open, glossy, a little wild at the edges. Much like me before coffee.",
    "5am bake. The village is silent except for me and a very suspicious blackbird.",
    "Today's loaf is 20% spelt and 100% ego boost. Look at that ear!",
    "Fed Cassini, forgot Cassini, remembered Cassini at 11pm. She forgave me. Starters are kinder than people think.",
    "Overproofed the dough while staring at a lunar map. Pancake loaf. Still delicious with butter and shame.",
    "Rye is sticky and stubborn and smells like autumn. I'm in love and I'm covered in it.",
    "Made cinnamon buns for the astro club meeting and now everyone's asking when the next meeting is. Suspicious.",
    "Laminating croissant dough in June is a war crime against butter. Kitchen at 26 degrees. Send help and ice.",
    "The croissants are... fine. Honeycomb's a bit closed. Flavour is lovely. Round two on Saturday.",
    "Round two croissants: honeycomb like a cathedral window. I took eleven photos. I'm not sorry.",
    "If your dough isn't rising, check it's warm enough. If your dough still isn't rising, check you added the yeast. Ask me how I know.",
    "Scoring patterns I've tried this month: wheat ear, leaf, crescent moon, and one that was meant to be Saturn and looks like a potato.",
    "Bread tip nobody asked for: a bowl of boiling water in the bottom of the oven gets you a glossy crust. Free steam!",
    "Baking with Millstone's new stoneground flour. Thirstier than my usual, took nearly 80% water. Worth every sticky minute.",
    "Focaccia day! Dimpled it with my fingers like playing a piano made of dough. Rosemary, flaky salt, too much olive oil. Perfect.",
    "There's a specific joy in hearing a fresh loaf crackle as it cools. It's called singing, and yes, I stand there and listen.",
    "Cassini turned two today! Fed her rye as a birthday treat. She doubled in four hours. Show off.",
    "Pretzels shaped like little knotted comets. Lye bath, coarse salt, deep brown. The neighbours are getting a bag each.",
    "Baked moon cookies for the library stargazing night: lemon shortbread with craters pressed in with a thimble 🌕",
    "Hot cross buns from scratch. The crosses are wonky. The crosses are always wonky. It's tradition now.",
    "Left the dough in the fridge for 36 hours by accident. Best tang I've ever had. Accidents are recipes you haven't written down yet.",
    "Burned the bottom of two loaves because I was reading about Jupiter's moons. Priorities, I suppose.",
    "New banneton! Linen-lined, round, beautiful. Dusted it with rice flour like a very serious person.",
    "Tried a 100% wholemeal loaf. Dense as a neutron star. Tasty as anything though. Toast is forgiving.",
    "Brioche: basically cake pretending to be bread. I respect the confidence.",
    "Bagels boiled with a spoon of honey in the water. Chewy, shiny, a bit lopsided. Like my bike.",
    "Sunday bake: two country loaves, one for me, one for Mrs Patel next door, who pays me in garden tomatoes.",
    "Kneading dough is cheaper than therapy. Punching it is even cheaper.",
    "Crumpets! Little ponds of butter on every one. The holes are the whole point and I got SO many holes.",
    "Autolyse for an hour, stretch and fold every thirty minutes, bulk until it jiggles. The jiggle is the whole secret, honestly.",
    "Some people check the weather to plan their day. I check it to plan whether the bread or the telescope gets me tonight.",
    ("Stollen for Christmas, marzipan log and all. House smells like a German market. Biscuit is trying to eat the icing sugar.", '2023-12-20'),
    ("Mince pies: batch one gone in a day. Batch two under guard. #baking", '2023-12-22'),
    ("Happy new year from me, Cassini, Biscuit and Big Bertha. Here's to clear skies and open crumbs in 2024 ✨🍞", '2024-01-01'),
    ("Pancake Day! Flipped one onto the ceiling. It's still there. #PancakeDay", '2024-02-13'),
    "Rye for Jonny's birthday: dark, caraway-studded, heavy as a brick. He held it like a newborn.",
    "Flour on my glasses, flour in my hair, flour on the cat. It's a good bake when Biscuit ends up dusted.",
    "The smell of toasted sesame on a seeded loaf first thing in the morning should be bottled and sold.",
    "Was going to do a quick bake before work. The dough had other plans. I was late. The bread was excellent.",
    "Shaped eight baguettes. Three are baguettes. Five are something else. I'm calling them astro-batards.",
    "Made sourdough discard crackers with black sesame. They look like a starry sky and I'm insufferable about it.",
    "Bread is just flour, water, salt and time. Astronomy is just dark, patience and time. I have a type.",
    "Today's crumb looks exactly like the Orion Nebula if you squint, and I always squint.",
    "Banana bread on the go because three bananas went full black hole on the counter.",
    "Somebody asked why my starter is called Cassini. Because she has a gap in the middle where the bubbles go. Obviously.",
    "Sourdough workshop at the village hall on Saturday! Bring a jar and I'll give you a bit of Cassini to take home.",
    "Twelve people left the workshop with a jar of Cassini. She has children now. She is a grandmother. I'm emotional.",
    "Pizza night. Leopard spotting on the crust. Biscuit stole a bit of mozzarella and ran off like a thief.",
    "Up at 5 to shape the loaves before work. The sky was pink and Venus was still out. Morning bakes have their own astronomy.",
    "Feeding Cassini with the Millstone rye and she smells like green apples and mischief.",
    "Tried a new shaping method from a video. Loaf came out shaped like a flying saucer. Honestly, on brand.",
    "First loaf of the autumn with the heating on. The kitchen finally warm enough to prove in under five hours. Bliss.",
    "Cardamom buns for the astro club. Twisted like little spiral galaxies. Yes I did that on purpose.",
    "Rye starter, wheat starter, and now a tiny spelt starter. I'm running a nursery.",
    "Bread fails this week: one flat, one burned, one forgot the salt. Bread wins: all three eaten anyway.",
    "The trick to a crisp crust is a proper preheat. Forty-five minutes, Dutch oven in. Be patient. Like waiting for dark.",
    "Baked a loaf with a Saturn score on top for Olu's birthday. It actually looks like Saturn this time!!",
    "Soda bread for when you want bread in forty minutes and don't want to talk to a starter. No shame.",
    "It's too hot to bake. I'm baking anyway. The kitchen is a furnace and I am the bread.",
]
ANYTIME = [
    "Gave my talk at the library tonight: 'What your kitchen can teach you about the universe'. Twenty-six people and one dog came. The dog asked the best question.",
    "Biscuit has learned that the red torch means I'm going outside for hours and she has opinions about it.",
    "Library day. Borrowed three books on telescopes and one on rye. I have a problem and the problem is joy.",
    "The astro club has decided to adopt a meteor. Not literally. Well, a bit literally.",
    "Proud to announce I finally finished my star-chart tea towel. Orion on one side, a loaf on the other. The whole me.",
    "Just a reminder that you don't need expensive kit. Binoculars and a deckchair will change your life.",
    "Writing up tonight's observations in my logbook with flour still under my nails.",
    "Someone at the bus stop asked what I do. I said I bake bread and look at space. She said that's two jobs. I said no, it's one hobby with two ends.",
    "It is raining, it is cold, I have a cup of tea and a book about Mars. This is also astronomy.",
    "Made a little planisphere for my nephew out of a cereal box. He has found the Plough and now he finds it everywhere, including in his peas.",
    "Today I learned that some old bakers used to judge proving by the moon. I'm not saying I'll start. I'm not saying I won't.",
    "Fern and I are planning a bread-and-stars picnic on Beacon Hill. Loaves at sunset, telescopes at dusk. Who's in?",
    "Bread-and-stars picnic was perfect. Nine people, four loaves, two telescopes, one shooting star, zero clouds. ✨",
    "Updated the blog with my rye recipe, the one Jonny keeps stealing: {link}",
    "Wrote up the whole Perseids night, pretzels included: {link}",
    "New post: sketching Orion with a pencil, a clipboard and very cold hands {link}",
    "Put the aurora photos on the blog. My phone did a better job than my eyes, which feels like cheating {link}",
    "Harrow Astro Club's winter programme is out, including a beginners' night I'm running! {link}",
    "My little guide to light pollution for people who just moved to the village: {link}",
    "Cassini's country loaf, the full recipe, finally written down so I stop texting it to people at midnight: {link}",
    "Library talk tickets are free but limited: {link}",
    "I've been asked for the moon cookie recipe about fifty times so here you go {link}",
    "How it started: one pair of binoculars. How it's going: a Dobsonian, three eyepieces and a spreadsheet {link}",
    "Writing my year of observing up as a blog post. 38 Messier objects, 212 loaves, one cat {link}",
    "Weather forecast says clear tonight. Weather forecast has lied to me before. I'm preparing anyway.",
    "The sky and the oven both reward patience & punish peeking. Write that on my tombstone.",
    "Flour & water & salt & a bit of time. The simplest recipe & the hardest to get right.",
    "Astronomy rule: if seeing > transparency, look at planets. If transparency > seeing, hunt galaxies. If clouds, bake.",
    "Kitchen thermometer says 24°C, proving time < 4 hours. Garden thermometer says 2°C, observing time < my patience.",
    "Reminder that my love for Big Bertha <3 is stronger than my fear of spiders in the shed.",
    "Starter -> levain -> dough -> loaf -> toast -> happiness. The pipeline.",
    "Kid at the library asked if stars are hot. I said hotter than my oven. He said your oven must be really hot then. Fair.",
    "Do you ever just stand in the garden and think about how every atom in your bread was made in a star? Just me? Fine.",
    "The wheat in my loaf, the iron in my blood and the calcium in Biscuit's teeth all came from dead stars. Anyway, toast?",
    "Rainy Saturday plan: feed Cassini, clean eyepieces, watch a documentary about the Voyager probes, cry at the Pale Blue Dot bit.",
    "Just ordered a solar filter. Sunspots, here I come. Safely!",
    "Sunspots! Little dark freckles on the Sun through the new filter. Showed the postman. He was thrilled. I think.",
    "Cleaned the mirror on Big Bertha for the first time in a year. Distilled water, cotton wool, nerves of steel.",
    "The allotment committee asked if I could do a talk about planting by the moon. I'll do one about the moon. They can plant however they like.",
    "There's a village WhatsApp group called Clear Skies Little Harrow and it's the most wholesome place on the internet.",
    "If anyone in Little Harrow sees a woman in a head torch at 3am in the field behind the church, that's me. Please don't call anyone. Again.",
    "Astro club quiz night: our team was called Ursa Minor Inconvenience. We came second.",
    "Bought a second-hand star atlas with someone's pencil notes from 1987 in the margins. They saw M51 on a good night in March. Hello, fellow traveller.",
    "Reading a biography of Caroline Herschel. She swept the sky for comets every night and found eight. Hero.",
    "I have a theory that the best bakers and the best observers have the same skill: noticing tiny changes over a long time.",
    "Back from the dark sky weekend in Northumberland. The Milky Way cast a shadow. I cannot stop talking about it. Sorry in advance.",
    "Three things that make me happy: a clear sky, a good crumb, a cat asleep on my feet. Currently two out of three.",
    "It's 7pm and I've already decided tonight is an eyepiece-and-cocoa night. The forecast agrees for once.",
    "The sky was clear all day and clouded over at sunset. The sky is a prankster.",
    "Note to self: the big kitchen scales are not for weighing telescope counterweights. Flour everywhere.",
    "Made a loaf with a star stencil dusted on top for the astro club's tenth birthday. They ate the star first.",
    "My mum rang to ask if I'd seen the news about the new comet. I had. I have alerts. She was very impressed with me.",
    "Hello to the new followers! I post about bread, stars and occasionally my cat. In roughly those proportions.",
    "People ask me what my favourite planet is. It's Saturn. It's always been Saturn. It'll always be Saturn.",
    "Favourite bread? A plain country loaf with a good crust. Fancy is lovely, plain is home.",
    "Swapped a loaf for a pot of honey with the bee lady at the market. Best trade of the year.",
    "The library lets me keep a loaner telescope at the desk now. Forty-one people have borrowed it. Forty-one!",
    "Did a sourdough demo for the primary school. A six-year-old named his starter Gerald. Gerald is thriving, I'm told.",
    "I genuinely think everyone should have one hobby that makes them go outside in the dark and one that makes them wait patiently in the warm.",
    "Plans for the weekend: bake Saturday morning, observe Saturday night, sleep all of Sunday. A perfect orbit.",
    "Opened the oven too early and the loaf sighed at me. I felt it.",
    "The sourdough and the stars both taught me the same thing: you can't rush it and you can't fake it.",
    "Oh my stars, I've been at this for an hour and I still can't find Uranus. It's right there. Somewhere. Probably behind the hedge.",
    "FOUND URANUS. Small, pale, blue-green dot. Absolutely nothing to look at and I am overjoyed.",
    "The Harvest Moon tonight was the colour of a brioche crust. Sorry. I can't stop.",
    "Spent the afternoon teaching my nephew to find north with a stick and a shadow. He found south. We'll try again.",
    "Library book club picked a sci-fi novel this month and I've never been more ready to talk.",
    "Just realised I've been writing my shopping lists on the back of old star charts. Flour, yeast, M33.",
    "Mum says I should get a proper hobby. I have two. She means one that doesn't involve flour on the ceiling or being outside at 2am.",
    "The village fete asked me to judge the bread competition. I'll need a week to recover and a very long walk.",
    "Judged the fete bread. Every loaf was lovely. Gave first prize to a nine-year-old's focaccia and I stand by it.",
    "There's a robin that watches me clean Big Bertha's mirror every spring. Same robin? Different robin? I choose to believe same.",
    "Biscuit has claimed the warm spot on top of the proving drawer. The dough and the cat are both rising nicely.",
    "Sat on the doorstep with tea and watched swifts screaming round the church. Not astronomy. Still looking up.",
    "Someone asked me how to start with astronomy. Go outside. Look up. Learn one constellation. Then another. That's it, really.",
    "The forecast says clear skies on Saturday and I've already cancelled all my plans in a very organised way.",
    "Saw a shooting star walking home from the pub. Made a wish. It was about bread.",
    "Clear skies, everyone. That's the sign-off. That's the post.",
]
THREAD = [  # posted one after another, each replying to the previous one
    "A little thread about how I got into astronomy, since a few of you asked 🧵",
    "It started with my grandad, who kept a pair of old naval binoculars by the back door and would take me out to look at the Moon after tea.",
    "He said the Moon was a loaf left in the oven too long. I believed him until I was about nine. I sort of still do.",
    "When he passed, I got the binoculars. Then the charity shop ones. Then Big Bertha. Every clear night still feels like going out with him. Clear skies, grandad ✨",
]
REPLIES = {  # handle -> replies to that account
    'ferncrumb': [
        "@ferncrumb yes!! your rye trick worked, the crumb is so much more even",
        "@ferncrumb that scoring is gorgeous, teach me your ways",
        "@ferncrumb I'll bring the jam if you bring the focaccia",
        "@ferncrumb 78% hydration with that flour, don't let it scare you",
        "@ferncrumb the ear on that loaf could pick up radio signals",
        "@ferncrumb Cassini says hi to your starter. They should meet.",
        "@ferncrumb honestly your croissants are better than mine and I'm choosing to be happy about it",
        "@ferncrumb I wrap mine in a tea towel overnight, crust stays crisp-ish",
        "@ferncrumb Saturday at the village hall! Bring a jar!",
        "@ferncrumb oh no, the pancake loaf. We've all been there. Toast it and tell no one",
    ],
    'orbitalolu': [
        "@orbitalolu did you catch that fireball at about 11.40?? Green and slow and massive",
        "@orbitalolu M81 and M82 in the same field, I nearly fell off my stool",
        "@orbitalolu clear here too! See you on Beacon Hill at 10?",
        "@orbitalolu I'll bring the cocoa and the cinnamon buns, you bring the big binoculars",
        "@orbitalolu that Jupiter sketch is wonderful, you got the Great Red Spot spot on",
        "@orbitalolu yes, the new eyepiece is lovely but the clouds came with it",
        "@orbitalolu my money's on the forecast being wrong. Pack the scope anyway",
        "@orbitalolu ha! Biscuit knocked my chart into the pond once. Laminate everything",
        "@orbitalolu 44 Geminids here! You?",
        "@orbitalolu I cried at the aurora. Not even embarrassed.",
    ],
    'tessaobserves': [
        "@tessaobserves that photo of the Pleiades is unreal, what exposure?",
        "@tessaobserves yes, Albireo is my favourite too. Gold and blue forever",
        "@tessaobserves try averted vision, look slightly to the side and it pops out",
        "@tessaobserves welcome to the club, the cold toes are part of the membership",
        "@tessaobserves honestly binoculars first, telescope later. You'll thank me",
        "@tessaobserves I'm so glad the library scope got you hooked!",
        "@tessaobserves the Ring Nebula is tiny but it's there, keep looking",
        "@tessaobserves the Moon at first quarter. Always the Moon first.",
    ],
    'harrowastroclub': [
        "@harrowastroclub I'll bring Big Bertha and two dozen moon cookies",
        "@harrowastroclub count me in for the beginners' night!",
        "@harrowastroclub what a turnout, thank you all for coming out in the cold",
        "@harrowastroclub happy tenth birthday, here's to another ten of clear skies",
        "@harrowastroclub I've got the spare red torches, I'll leave them at the library desk",
        "@harrowastroclub the quiz was so much fun. Rematch in spring?",
    ],
    'jonnyrye': [
        "@jonnyrye you're welcome to the recipe but the caraway is not optional",
        "@jonnyrye 100% rye is a lifestyle, not a loaf",
        "@jonnyrye happy birthday!! The rye is on your doorstep",
        "@jonnyrye no, you may not put raisins in it. I've seen what you did last time",
        "@jonnyrye it's supposed to be heavy. Heavy is good. Heavy is rye",
        "@jonnyrye slice it thin and wait a day. Trust me",
    ],
    'millstonemill': [
        "@millstonemill your stoneground is the best flour I've ever used. That's it, that's the tweet",
        "@millstonemill any chance of the spelt coming back in stock? Asking for Cassini",
        "@millstonemill thank you for the tour! The old millstones are beautiful",
    ],
    'nightowlnerd': [
        "@nightowlnerd 3am club, present",
        "@nightowlnerd ha, yes, the neighbour's cat sat on my eyepiece case all night",
        "@nightowlnerd I use a reclining deckchair, life changing for the zenith",
        "@nightowlnerd dew heater! Or a hairdryer on a long lead if you're desperate",
        "@nightowlnerd I'm so jealous of your skies",
    ],
    'loafandledger': [
        "@loafandledger thank you! The trick is a cold retard and a very hot oven",
        "@loafandledger rice flour in the banneton, never sticks",
        "@loafandledger ooh that's a lovely crumb",
        "@loafandledger I'd never heard of tangzhong until last week and now I'm a convert",
    ],
    'littleharrowlib': [
        "@littleharrowlib thank you for having me! What a lovely crowd",
        "@littleharrowlib the loaner telescope is on the top shelf behind the desk, cap's in the bag",
        "@littleharrowlib I'll bring biscuits. Moon shaped, obviously",
    ],
    'skyguidemags': [
        "@skyguidemags thanks for the heads-up about the comet! Found it low in the east",
        "@skyguidemags your monthly guide is the first thing I read",
    ],
}
REPOSTS = [
    ('harrowastroclub', "Beginners' night this Friday at the village hall, 7.30pm. No telescope needed, just curiosity and a warm coat. Tea provided."),
    ('harrowastroclub', "What a night! Over 40 people came out for the Perseids watch on Beacon Hill. Thank you all, and thank you for the cinnamon buns @crumbsandcomets"),
    ('harrowastroclub', "Aurora alert: the Kp index is climbing. If you're in Little Harrow, look north after dark tonight!"),
    ('harrowastroclub', "Our loaner telescope at the library is booked out until March. We're looking for a second one. Donations welcome."),
    ('harrowastroclub', "Jupiter at opposition tonight. Best view of the year. Get out there!"),
    ('harrowastroclub', "Meeting moved to Thursday because of the forecast. Clear skies are rare, meetings are not."),
    ('ferncrumb', "Today's bake: seeded rye, pain de campagne and a very sad baguette. Can't win them all."),
    ('ferncrumb', "Got a bit of Cassini at the village hall workshop and she's already doubled. Thank you @crumbsandcomets!"),
    ('ferncrumb', "Hot tip: put your banneton in the freezer for 10 minutes before dusting. Nothing sticks."),
    ('ferncrumb', "Croissant honeycomb is a state of mind."),
    ('orbitalolu', "Saturn's rings will be edge-on in 2025, so look now while they still look like rings."),
    ('orbitalolu', "Caught the ISS crossing the Moon tonight. 0.5 seconds of pure chaos. Photo soon."),
    ('orbitalolu', "Twenty years of observing and the Orion Nebula still gets me every time."),
    ('orbitalolu', "If you only buy one book on astronomy, make it a good star atlas. Then go outside."),
    ('tessaobserves', "My first ever photo of the Moon through a telescope. Phone held to the eyepiece with blu tack and hope."),
    ('tessaobserves', "Found the Andromeda Galaxy on my own for the first time and I'm shaking a bit"),
    ('tessaobserves', "Borrowed the library telescope and now I want my own. This is how it starts, isn't it."),
    ('jonnyrye', "Rye bread should be heavy enough to stop a door. Mine could stop a train."),
    ('jonnyrye', "Three days for a proper Danish rye. Worth every hour."),
    ('millstonemill', "New season's spelt is milled and in the shop from Saturday. Stoneground, as always."),
    ('millstonemill', "Flour is a living thing. Store it cool and dry and use it within a few months for the best bake."),
    ('millstonemill', "Open day at the mill next Sunday! See the stones turning, buy a bag, meet the miller."),
    ('nightowlnerd', "Dark sky reserves are the best holidays. Change my mind."),
    ('nightowlnerd', "3am, minus 4 degrees, M42 through a 10 inch. If you know, you know."),
    ('nightowlnerd', "Light pollution is the one kind of pollution you can switch off tonight. Shield your lights, point them down."),
    ('loafandledger', "A good crumb is not about big holes. It's about even, glossy, tender structure. Fight me."),
    ('loafandledger', "Weigh your ingredients. Cups are a lie."),
    ('loafandledger', "Starter too sluggish? Feed it twice a day at room temperature for three days. Patience."),
    ('littleharrowlib', "Thank you to @crumbsandcomets for a wonderful talk last night! Our telescope loan list is now 3 months long."),
    ('littleharrowlib', "Stargazing night for families, Friday 6pm, hosted by the Harrow Astro Club. Free, just turn up."),
    ('littleharrowlib', "New in: a whole shelf of astronomy books for beginners, donated by the astro club."),
    ('skyguidemags', "This month: Jupiter high in the evening, Orion rising, and the Geminids on the 13th-14th. Wrap up warm."),
    ('skyguidemags', "Comet alert! Low in the east before dawn this week. Binoculars recommended."),
    ('skyguidemags', "The Moon and Venus close together tonight in the west after sunset. Lovely pairing."),
    ('skyguidemags', "Full Moon this weekend, so galaxies are off the menu. Perfect time for the lunar craters along the terminator before it."),
    ('skyguidemags', "Perseids peak on the night of the 12th/13th with no Moon to spoil them. Best in years."),
    ('skyguidemags', "Total solar eclipse across North America on April 8th. Watch the livestreams if you can't be there."),
    ('skyguidemags', "Saturn is well placed all evening this month. Even small telescopes show the rings."),
    ('harrowastroclub', "Tonight's talk: 'Bread and the Universe' by our very own @crumbsandcomets. Library, 7pm. Bring questions and appetite."),
    ('ferncrumb', "The sourdough picnic on Beacon Hill was magic. Nine of us, loaves and telescopes, a shooting star at exactly 10pm."),
    ('orbitalolu', "Forty-four Geminids in 90 minutes. My face is frozen into a smile."),
    ('tessaobserves', "Six months ago I didn't know what a Messier object was. Tonight I saw my twentieth. Thank you, astro twitter."),
    ('nightowlnerd', "The aurora last night was visible as far south as Cornwall. Unbelievable scenes."),
    ('jonnyrye', "Caraway in rye is not a suggestion. It's the law."),
]
SHORT = ["yes!!", "ok wow", "🍞", "✨", "lol", "Soon.", "brb, clouds", "Clear skies!", "oh my stars", "🔭🔭🔭", "SATURN",
         "Crumb shot later", "😍", "bread.", "Cocoa time", "nope", "Cassini 💛", "ha!", "gn ✨", "Clouds.",
         "gm 🍞", "yes", "WOW", "Biscuit 🐈", "ok bye"]
DUPLICATES = [  # posted again and again on different days, as people do
    ("Good morning! Oven's on, kettle's on ☕🍞", 5),
    ("The Cloud Committee has met. Motion passed. No stars tonight ☁️", 4),
    ("Clear skies tonight, friends. Get outside! ✨", 4),
    ("Feeding Cassini. Back in a bit.", 3),
]
LONG = [  # long posts: the full text is only in note-tweet.js, tweets.js has it cut
    ("Right, the story of last night, because a few of you asked why there was a fire engine in my lane. "
     "I had a rye in the oven at 10pm because the dough was ready when it was ready, and then Olu messaged to say the comet "
     "was finally above the church roof. So I ran out with Big Bertha, found it (faint! fuzzy! a little green!), got completely lost in it, "
     "and forgot the loaf for forty minutes. Smoke alarm, Biscuit under the sofa, Mrs Patel next door rang the fire brigade because she "
     "thought the shed was alight. Lovely firefighters. They looked at the comet too. One of them said it was the best call-out of the year. "
     "The rye is a lump of charcoal. I regret nothing. Clear skies ✨", '2023-09-12'),
    ("A few people asked how I plan a night when I want to both bake and observe, so here's my actual routine. "
     "Morning: feed Cassini, check the forecast (three apps, I trust none of them). Afternoon: mix the dough, stretch and folds "
     "every half hour while I make a list of targets for the night. Early evening: shape, into the fridge for a long cold proof, which is "
     "the secret to both a tangy loaf and a free evening. Dusk: Big Bertha out to cool down, cocoa in the flask, red torch, charts. "
     "Night: observe until the dew wins or my toes give up. Morning: loaf straight from the fridge into a screaming hot oven. "
     "Breakfast: toast, logbook, very tired smile. That's it. That's the whole secret. It's mostly the fridge.", '2024-02-03'),
]


def bake_log(rng, n):
    "A loaf log post, like the ones home bakers keep"
    flours = ['white and 10% rye', 'white and 20% spelt', '30% wholemeal', 'Millstone stoneground white', 'white and 15% einkorn',
              'half rye', 'white with toasted sesame and sunflower', 'white and 20% wholemeal', 'plain old white', 'white with oats']
    verdicts = ['Lovely ear, slightly tight crumb.', 'Best crust this month!', 'Bit flat but tastes like heaven.',
                'Open crumb, glossy, very happy with this one.', 'Overproofed. Still ate half of it.', 'Proud of this one 🍞',
                'The ear went sideways. The flavour did not.', 'Crumb like lace. I shouted.', 'Dense-ish. Toast it is.',
                'Honestly one of my best.', 'Biscuit sniffed it and approved.', 'Gave it to the postman.']
    return f"Loaf #{n}: {rng.choice(flours)}, {rng.choice([68, 70, 72, 74, 75, 76, 78, 80])}% water, {rng.choice([12, 14, 16, 18, 20, 24, 36])}h cold proof. {rng.choice(verdicts)}"


def sky_log(rng):
    "An observing log post"
    targets = ['M31', 'M42', 'M45', 'M13', 'M57', 'M27', 'M81 and M82', 'M44', 'M35', 'the Double Cluster', 'Saturn', 'Jupiter',
               'the Moon', 'Albireo', 'M51', 'M92', 'M3', 'M11', 'M8', 'NGC 457 (the ET cluster)', 'Mizar and Alcor', 'M1']
    notes = ['lovely.', 'faint but there.', 'wow.', 'better than last time.', 'had to use averted vision.', 'Biscuit interrupted.',
             'sketched it.', 'showed the neighbour.', 'dew ended the session.', 'new favourite.', 'tricky from the garden.']
    seeing = rng.choice(['seeing 2/5', 'seeing 3/5', 'seeing 4/5', 'seeing good', 'seeing poor', 'transparency great'])
    picks = rng.sample(targets, rng.choice([2, 3, 3, 4]))
    return f"Log, {seeing}: " + '; '.join(f"{t}, {rng.choice(notes)}" for t in picks)


def _snowflake(dt, rng):
    "An id like X's: milliseconds since X's epoch, shifted, plus random low bits"
    return str(((int(dt.timestamp()*1000) - 1288834974657) << 22) | rng.getrandbits(22))


def _x_time(dt): return dt.strftime('%a %b %d %H:%M:%S +0000 %Y')


def _entities(text, rng, links):
    "X's entities for `text`: hashtags, mentions and t.co urls, with indices"
    ents = {'hashtags': [], 'symbols': [], 'user_mentions': [], 'urls': []}
    for m in re.finditer(r'#(\w+)', text): ents['hashtags'].append({'text': m.group(1), 'indices': [str(m.start()), str(m.end())]})
    for m in re.finditer(r'@(\w+)', text):
        name, uid = USERS.get(m.group(1), (m.group(1), str(rng.getrandbits(40))))
        ents['user_mentions'].append({'name': name, 'screen_name': m.group(1), 'indices': [str(m.start()), str(m.end())],
                                      'id_str': uid, 'id': uid})
    for m, url in zip(re.finditer(r'https://t\.co/\w+', text), links):
        ents['urls'].append({'url': m.group(0), 'expanded_url': f'https://{url}', 'display_url': url[:24] + ('…' if len(url) > 24 else ''),
                             'indices': [str(m.start()), str(m.end())]})
    return ents


def _tco(rng): return 'https://t.co/' + ''.join(rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') for _ in range(10))


def _tweet(text, dt, rng, reply_to=None, links=(), tid=None):
    "One archive entry, shaped like X's"
    tid = tid or _snowflake(dt, rng)
    full = html.escape(text, quote=False)  # X escapes &, < and > in full_text
    start = len(m.group(0)) if reply_to and (m := re.match(r'(@\w+ )+', full)) else 0
    t = {'edit_info': {'initial': {'editTweetIds': [tid], 'editableUntil': (dt + timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%S.000Z'),
                                   'editsRemaining': '5', 'isEditEligible': reply_to is None}},
         'retweeted': False, 'source': rng.choice(['<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>']*3 +
                                                  ['<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>']),
         'entities': _entities(full, rng, links), 'display_text_range': [str(start), str(len(full))],
         'favorite_count': str(int(rng.paretovariate(1.3)) - 1), 'id_str': tid, 'truncated': False,
         'retweet_count': str(max(0, int(rng.paretovariate(2.0)) - 1)), 'id': tid, 'created_at': _x_time(dt),
         'favorited': False, 'full_text': full, 'lang': 'en' if len(text) > 6 else 'qme'}
    if reply_to:
        status_id, handle = reply_to
        uid = USERS[handle][1]
        t.update({'in_reply_to_status_id_str': status_id, 'in_reply_to_status_id': status_id, 'in_reply_to_user_id': uid,
                  'in_reply_to_user_id_str': uid, 'in_reply_to_screen_name': handle})
    return {'tweet': t}


def _hour(rng, kind):
    "An hour of the day that fits the kind of post"
    return {'night': rng.choice([21, 22, 22, 23, 23, 0, 1]), 'morning': rng.choice([5, 6, 6, 7, 8, 9])}.get(kind, rng.randint(8, 22))


def _when(rng, day=None, kind='any'):
    "A time for a post: on `day` when given, else a random day in the archive's span"
    d = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) if day else START + timedelta(days=rng.randrange((END - START).days))
    h = _hour(rng, kind)
    return d.replace(hour=h, minute=rng.randrange(60), second=rng.randrange(60)) + (timedelta(days=1) if h < 4 and not day else timedelta())


def build(seed=20240731):
    "Every archive entry and note tweet, newest first"
    rng = random.Random(seed)
    tweets, notes, links = [], [], iter(LINKS)
    def add(text, kind='any', day=None, **kw):
        if isinstance(text, tuple): text, day = text
        ls = []
        if '{link}' in text: ls = [next(links)]; text = text.replace('{link}', _tco(rng))
        tweets.append(_tweet(text, _when(rng, day, kind), rng, links=ls, **kw))
    for t in NIGHT: add(t, 'night')
    for t in MORNING: add(t, 'morning')
    for t in ANYTIME: add(t)
    for n in rng.sample(range(40, 260), 40): add(bake_log(rng, n), 'morning')
    for _ in range(36): add(sky_log(rng), 'night')
    for t in SHORT: add(t)
    for t,k in DUPLICATES:
        for _ in range(k): add(t, 'morning' if 'morning' in t.lower() or 'Cassini' in t else 'night')
    for handle, texts in REPLIES.items():
        for t in texts: add(t, reply_to=(_snowflake(START, rng), handle))
    for handle, t in REPOSTS:
        full = f'RT @{handle}: {t}'
        add(full if len(full) <= 140 else full[:139] + '…')
    prev, dt = None, _when(rng, '2023-11-18', 'night')
    for t in THREAD:  # a self-thread: each post replies to her previous one
        dt += timedelta(minutes=rng.randint(1, 4))
        tid = _snowflake(dt, rng)
        tweets.append(_tweet(t, dt, rng, reply_to=(prev, HANDLE) if prev else None, tid=tid))
        prev = tid
    for text, day in LONG:  # tweets.js keeps the start and a link; note-tweet.js the whole text
        dt = _when(rng, day, 'any')
        cut = text[:text.rindex(' ', 0, 250)] + '… ' + _tco(rng)
        tweets.append(_tweet(cut, dt, rng))
        notes.append({'noteTweet': {'noteTweetId': _snowflake(dt, rng), 'updatedAt': dt.strftime('%Y-%m-%dT%H:%M:%S.000Z'),
                                    'lifecycle': {'value': '1', 'name': 'Active', 'originalValue': 'MQ==', 'originalName': 'Active'},
                                    'createdAt': dt.strftime('%Y-%m-%dT%H:%M:%S.000Z'),
                                    'core': {'styletags': [], 'urls': [], 'text': text, 'mentions': [], 'cashtags': [], 'hashtags': []}}})
    key = lambda e: datetime.strptime(e['tweet']['created_at'], '%a %b %d %H:%M:%S %z %Y')
    return sorted(tweets, key=key, reverse=True), notes


def _js(name, items):
    "A file of the archive: a JavaScript assignment of pretty-printed JSON, as X writes them"
    return f'window.YTD.{name}.part0 = ' + json.dumps(items, indent=2, ensure_ascii=False, separators=(',', ' : '))


def write(out=OUT):
    "Write the sample archive zip"
    tweets, notes = build()
    account = [{'account': {'email': 'goldie@crumbsandcomets.blog', 'createdVia': 'web', 'username': HANDLE, 'accountId': ACCOUNT_ID,
                            'createdAt': '2021-06-09T19:02:11.000Z', 'accountDisplayName': NAME}}]
    profile = [{'profile': {'description': {'bio': 'Home baker, amateur astronomer, Little Harrow. Sourdough starter: Cassini. '
                                                   'Telescope: Big Bertha. Cat: Biscuit. Clear skies & open crumbs ✨',
                                            'website': 'https://t.co/Kq2bZ8cDxW', 'location': 'Little Harrow'},
                            'avatarMediaUrl': ''}}]
    files = {'data/account.js': _js('account', account), 'data/profile.js': _js('profile', profile),
             'data/tweets.js': _js('tweets', tweets), 'data/note-tweet.js': _js('note_tweet', notes)}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 8, 1, 9, 30, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, text.encode())
    return out, len(tweets)


if __name__ == '__main__':
    path, n = write()
    print(f'wrote {path} ({n} posts, {path.stat().st_size:,} bytes)')

"""Draw `img/pipeline.png`, the picture of the flow that every model card shows (as the original's cards did).

Run `python tools/make_pipeline_image.py` after changing the stages below; the image is committed."""
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

STAGES = [('Accounts', '@user, bsky:handle,\n@user@server,\narchive:, file:'),
          ('Posts', 'downloaded\nand cached'),
          ('Dataset', 'cleaned, balanced,\nheld-out split'),
          ('Fine-tuning', 'pretrained model,\nLoRA or full'),
          ('Bot', 'model folder\nand its card'),
          ('Samples', '"My dream is …"\nin their voice')]
BLUE, INK, GREY = '#1DA1F2', '#14171A', '#657786'

def draw(path:Path):
    "Draw the stages as boxes joined by arrows into `path`"
    fig, ax = plt.subplots(figsize=(13, 2.6), dpi=150)
    ax.set_xlim(0, len(STAGES)); ax.set_ylim(0, 1); ax.axis('off')
    for i, (name, note) in enumerate(STAGES):
        ax.add_patch(FancyBboxPatch((i + 0.06, 0.12), 0.74, 0.76, boxstyle='round,pad=0.02,rounding_size=0.06',
                                    fc='white', ec=BLUE, lw=2))
        ax.text(i + 0.43, 0.66, name, ha='center', va='center', fontsize=12, weight='bold', color=INK)
        ax.text(i + 0.43, 0.33, note, ha='center', va='center', fontsize=9, color=GREY, linespacing=1.4)
        if i: ax.annotate('', xy=(i + 0.04, 0.5), xytext=(i - 0.16, 0.5), arrowprops=dict(arrowstyle='-|>', color=BLUE, lw=2))
    fig.savefig(path, bbox_inches='tight', facecolor='white')
    plt.close(fig)

if __name__ == '__main__':
    out = Path(__file__).resolve().parent.parent/'img'/'pipeline.png'
    out.parent.mkdir(exist_ok=True)
    draw(out)
    print(f'wrote {out}')

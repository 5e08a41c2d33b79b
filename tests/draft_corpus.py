"""Reports of the lab written for the draft's tests, each with its answer key: the fields
(``harness.intake.fields`` names) a person would type from it. English and French; Markdown, plain
text and PDF (written in the test session by :func:`write_pdf`); tables with pipes, tabs, aligned
spaces or a PDF's single spaces, seeds as columns or rows, labelled 0-2, 1-3 or not at all; lists;
sentences; fractions; missing sections; a wrong count; LaTeX left in.

Each sentence a key quotes is a variable used in both the text and the key, so the key says what
was written, not what the drafter reads.
"""

from __future__ import annotations

from dataclasses import dataclass

IDS = ["C1", "C2", "C2b", "C3", "C4", "C5.r", "C5.alpha", "C5.target", "C5.dropout", "C5.bias",
       "C5.bias_none", "C5.task_type", "C6"]
DIMS = dict(vocab_size=32000, d_model=512, d_ff=512, max_positions=256, layers=4)


@dataclass(frozen=True)
class Report:
    name: str  # file name, suffix included (.md, .txt, .pdf)
    text: str
    key: dict
    writer: str = "fpdf2"  # a PDF's writer: fpdf2, or matplotlib (pdf.fonttype 42)


def key(total=22807552, dims=DIMS, cells=None, quotes=None, epoch=5, updates=1125, printed=None, states=None):
    """The answer key's fields; a claim absent from ``quotes`` is not stated."""
    quotes = quotes or {}
    out = {}
    for name, (seeds, acc) in (cells or {}).items():
        out[f"cells.{name}.seeds"], out[f"cells.{name}.accuracy"] = seeds, acc
    args = {"C5.r": "r", "C5.alpha": "lora_alpha", "C5.target": "target_modules", "C5.dropout": "lora_dropout",
            "C5.bias": "bias", "C5.bias_none": "bias", "C5.task_type": "task_type"}
    for cid in IDS:
        out[f"{cid}.stated"] = cid in quotes
        if cid not in quotes:
            continue
        out[f"{cid}.quote"] = quotes[cid]
        if cid == "C1":
            out["C1.total"] = total
            out.update({f"C1.encoder.{k}": v for k, v in dims.items()})
        if cid == "C2b":
            out["C2b.epoch"], out["C2b.updates"] = epoch, updates
        if cid == "C6":
            for cell, (mean, spread) in printed.items():
                out[f"C6.printed.{cell}.mean"], out[f"C6.printed.{cell}.spread"] = mean, spread
        if cid in args:
            out[f"{cid}.argument"], out[f"{cid}.states"] = args[cid], states[cid]
    return out


LAB_STATES = {"C5.r": "rank", "C5.alpha": "lora_alpha / r", "C5.target": "attention", "C5.dropout": "adapters",
              "C5.bias": "adapters", "C5.bias_none": "none", "C5.task_type": "CAUSAL_LM"}
FS = {"fairseq.pretrained": ([0, 1, 2], [79.9, 80.0, 83.5]), "fairseq.random": ([0, 1, 2], [67.5, 68.1, 67.4]),
      "hf.pretrained": ([0, 1, 2], [79.9, 79.0, 81.1])}


def _en_md() -> Report:
    q = {"C1": "Hence the model has 22,807,552 parameters in total.",
         "C2": "Test accuracy per seed: [the table]",
         "C2b": "The best validation accuracy is reached at epoch 5, i.e. after 1,125 updates.",
         "C3": "Pretrained models clearly outperform the random ones.",
         "C6": "Mean accuracy: 81.1% ± 1.7 for pretrained and 67.7% ± 0.3 for random.",
         "C4": "These results are consistent with fairseq.",
         "C5.r": "r: the rank of the update matrices A and B.",
         "C5.alpha": "lora_alpha: the scaling; the update is multiplied by lora_alpha/r",
         "C5.target": "target_modules: the modules that get adapters, here the attention projections (query_key_value).",
         "C5.dropout": "lora_dropout: dropout applied to the LoRA matrices A and B.",
         "C5.bias": "bias: which biases of the adapters are trained.",
         "C5.bias_none": "We use none.",
         "C5.task_type": "task_type: the kind of model peft wraps. We use \"CAUSAL_LM\"."}
    text = f"""# Lab 4 report

## 1 Question 1

We count embeddings, positions and the encoder layers, without biases or LayerNorm.

- $V = 32,000$
- $d = 512$
- $d_{{ff}} = 512$
- $P = 256$
- $L = 4$

{q["C1"]}

## 2.1 Fine-tuning with fairseq

{q["C2b"]} Test accuracy per seed:

| model | seed 0 | seed 1 | seed 2 |
|---|---|---|---|
| pretrained | 79.9 % | 80.0 % | 83.5 % |
| random | 67.5 % | 68.1 % | 67.4 % |

{q["C6"]}

{q["C3"]}

## 2.2 Fine-tuning with HuggingFace

| seed | accuracy |
|---|---|
| 0 | 79.9% |
| 1 | 79.0% |
| 2 | 81.1% |

{q["C4"]}

## 3 Question 2

- **r**: the rank of the update matrices A and B.
- **lora_alpha**: the scaling; the update is multiplied by lora_alpha/r so that changing r keeps the scale.
- **target_modules**: the modules that get adapters, here the attention projections (query_key_value).
- **lora_dropout**: dropout applied to the LoRA matrices A and B.
- **bias**: which biases of the adapters are trained. We use none.
- **task_type**: the kind of model peft wraps. We use "CAUSAL_LM".
"""
    k = key(cells={"fairseq.pretrained": FS["fairseq.pretrained"], "fairseq.random": FS["fairseq.random"],
                   "hf.pretrained": ([0, 1, 2], [79.9, 79.0, 81.1])}, quotes=q,
            printed={"fairseq.pretrained": ("81.1%", "1.7"), "fairseq.random": ("67.7%", "0.3")},
            states=LAB_STATES)
    return Report("en-pipes.md", text, k)


def _fr_txt() -> Report:
    q = {"C1": "Le modèle compte donc 22 807 552 paramètres.",
         "C2": "Les précisions sur le test sont les suivantes : [the table]",
         "C2b": "La meilleure précision de validation est atteinte après 5 époques (1 125 pas d'entraînement).",
         "C3": "Comme prévu, les modèles pré-entraînés sont bien meilleurs que les modèles aléatoires.",
         "C6": "Moyennes : 81,1 % (± 1,67) pour le modèle pré-entraîné et 67,7 % (± 0,31) pour le modèle aléatoire.",
         "C4": "Ces résultats sont cohérents avec ceux de fairseq.",
         "C5.r": "r : rang des matrices A et B.",
         "C5.alpha": "lora_alpha : facteur d'échelle ; le facteur réel est alpha/r",
         "C5.target": "target_modules : les couches adaptées, ici les têtes d'attention.",
         "C5.dropout": "lora_dropout : taux de dropout appliqué aux matrices A et B.",
         "C5.bias": "bias : biais des matrices A et B.",
         "C5.bias_none": "Nous n'utilisons aucun biais.",
         "C5.task_type": "task_type : ... Ici \"CAUSAL_LM\", la prédiction du mot suivant."}
    text = f"""1 Question 1

Taille du vocabulaire : 32 000 ; d_model = 512 ; d_ff = 512 ; n_source_positions = 256 ; n_layers = 4.
{q["C1"]}

2.1 Avec fairseq

{q["C2b"]} {q["C2"][:-12]}

                 Graine 1   Graine 2   Graine 3
Pré-entraîné     79,9 %     80 %       83,5 %
Aléatoire        67,5 %     68,1 %     67,4 %

{q["C6"]}
{q["C3"]}

2.2 Avec HuggingFace

Modèle pré-entraîné : 79,9 %, 79 % et 81,1 %.
{q["C4"]}

3 Question 2

- r : rang des matrices A et B.
- lora_alpha : facteur d'échelle ; le facteur réel est alpha/r donc alpha ne dépend pas de r.
- target_modules : les couches adaptées, ici les têtes d'attention.
- lora_dropout : taux de dropout appliqué aux matrices A et B.
- bias : biais des matrices A et B. Nous n'utilisons aucun biais.
- task_type : type de tâche. Hérité de PeftConfig. Ici "CAUSAL_LM", la prédiction du mot suivant.
"""
    k = key(cells={"fairseq.pretrained": ([1, 2, 3], [79.9, 80.0, 83.5]),
                   "fairseq.random": ([1, 2, 3], [67.5, 68.1, 67.4]),
                   "hf.pretrained": ([0, 1, 2], [79.9, 79.0, 81.1])}, quotes=q,
            printed={"fairseq.pretrained": ("81.1%", "1.67"), "fairseq.random": ("67.7%", "0.31")},
            states=LAB_STATES)
    return Report("fr-aligned.txt", text, k)


def _variants() -> list[Report]:
    en, fr = _en_md(), _fr_txt()
    out = [en, fr]
    # fractions, no seed labels, as a PDF
    t = en.text.replace("| model | seed 0 | seed 1 | seed 2 |", "| model | run A | run B | run C |")
    t = t.replace("| 79.9 % | 80.0 % | 83.5 % |", "| 0.799 | 0.800 | 0.835 |").replace("| 67.5 % | 68.1 % | 67.4 % |", "| 0.675 | 0.681 | 0.674 |")
    out.append(Report("en-fractions.pdf", t, en.key))
    out.append(Report("fr-aligned.pdf", fr.text, fr.key))
    # missing sections: no HuggingFace part, no aggregate, no Question 2
    t = en.text.split("## 2.2")[0].replace(en.key["C6.quote"] + "\n", "")
    k = {f: v for f, v in en.key.items() if not f.startswith(("C4", "C5", "C6", "cells.hf"))}
    k.update({f"{c}.stated": False for c in ("C4", "C5.r", "C5.alpha", "C5.target", "C5.dropout", "C5.bias",
                                              "C5.bias_none", "C5.task_type", "C6")})
    out.append(Report("en-missing.txt", t, k))
    # a wrong count: digits swapped, d_ff = 2048
    wrong = "Hence the model has 22,870,552 parameters in total."
    t = en.text.replace(en.key["C1.quote"], wrong).replace("$d_{ff} = 512$", "$d_{\\text{ff}} = 2048$")
    k = dict(en.key, **{"C1.quote": wrong, "C1.total": 22870552, "C1.encoder.d_ff": 2048})
    out.append(Report("en-wrong-count.md", t, k))
    # tabs, seeds labelled 0-2, in French Markdown
    t = fr.text.replace("                 Graine 1   Graine 2   Graine 3", "\tgraine 0\tgraine 1\tgraine 2")
    t = t.replace("Pré-entraîné     79,9 %     80 %       83,5 %", "Pré-entraîné\t79,9 %\t80 %\t83,5 %")
    t = t.replace("Aléatoire        67,5 %     68,1 %     67,4 %", "Aléatoire\t67,5 %\t68,1 %\t67,4 %")
    k = dict(fr.key, **{"cells.fairseq.pretrained.seeds": [0, 1, 2], "cells.fairseq.random.seeds": [0, 1, 2]})
    out.append(Report("fr-tabs.md", t, k))
    # tabs without seed labels, as plain text
    t = en.text.replace("| model | seed 0 | seed 1 | seed 2 |\n|---|---|---|---|\n", "")
    t = t.replace("| pretrained | 79.9 % | 80.0 % | 83.5 % |", "pretrained\t79.9%\t80.0%\t83.5%")
    t = t.replace("| random | 67.5 % | 68.1 % | 67.4 % |", "random\t67.5%\t68.1%\t67.4%")
    out.append(Report("en-tabs.txt", t, en.key))
    return out


def write_pdf_matplotlib(text: str, path) -> None:
    """``text`` as a one-page PDF written by matplotlib with TrueType fonts (pdf.fonttype 42), one
    ``fig.text`` per line: pypdf gives it back line by line, accents included."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = Figure(figsize=(8.27, 11.69))
        for i, line in enumerate(text.split("\n")):
            fig.text(0.04, 0.97 - i * 0.018, line, fontsize=7, family="DejaVu Sans")
        fig.savefig(str(path), format="pdf")


def reports() -> list[Report]:
    import draft_corpus_more as more  # its reports build on this module's templates

    return (_variants() + [more.en_mean_column(), more.fr_sentences(), more.fr_transposed_pdf(), more.en_one_table(),
                           more.en_other()] + more.shipped() + [more.word_mpl()])


def write_pdf(text: str, path) -> None:
    """``text`` as a PDF with a text layer (fpdf2, DejaVu Sans from matplotlib's fonts: accents and
    thin spaces kept), one line of text per line, long lines wrapped as a word processor would."""
    import matplotlib
    from fpdf import FPDF

    font = f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSans.ttf"
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("dejavu", fname=font)
    pdf.set_font("dejavu", size=10)
    for line in text.split("\n"):
        pdf.multi_cell(0, 5, line.replace("\t", "    ") or " ", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))

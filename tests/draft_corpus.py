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


def _en_mean_column() -> Report:
    """The aggregate in the table's last column, the dims in a sentence, HF as a list with seed labels."""
    en = _en_md()
    t = en.text.replace(en.key["C6.quote"] + "\n\n", "")
    t = t.replace("| model | seed 0 | seed 1 | seed 2 |\n|---|---|---|---|",
                  "| model | seed 0 | seed 1 | seed 2 | mean ± SD |\n|---|---|---|---|---|")
    t = t.replace("| 79.9 % | 80.0 % | 83.5 % |", "| 79.9 % | 80.0 % | 83.5 % | 81.1 ± 1.7 |")
    t = t.replace("| 67.5 % | 68.1 % | 67.4 % |", "| 67.5 % | 68.1 % | 67.4 % | 67.7 ± 0.3 |")
    dims = "- $V = 32,000$\n- $d = 512$\n- $d_{ff} = 512$\n- $P = 256$\n- $L = 4$\n"
    t = t.replace(dims, "The encoder has a vocabulary of 32,000 tokens, hidden size 512, feed-forward dimension 512, "
                        "256 positions and 4 layers.\n")
    t = t.replace("| seed | accuracy |\n|---|---|\n| 0 | 79.9% |\n| 1 | 79.0% |\n| 2 | 81.1% |",
                  "Test accuracies:\n\n- seed 0: 79.9%\n- seed 1: 79.0%\n- seed 2: 81.1%")
    k = dict(en.key, **{"C6.quote": "Test accuracy per seed: [the table]", "C6.printed.fairseq.pretrained.mean": "81.1",
                        "C6.printed.fairseq.random.mean": "67.7"})
    return Report("en-mean-column.md", t, k)


def _fr_sentences() -> Report:
    """Values in sentences, each list before the word that names its cell; no headings for HF."""
    fr = _fr_txt()
    c2 = ("Nous obtenons 79,9 %, 80 % et 83,5 % avec le modèle pré-entraîné, et 67,5 %, 68,1 % et 67,4 % avec "
          "le modèle initialisé aléatoirement.")
    c6 = "Moyennes : 81,1 ± 1,7 % (pré-entraîné) et 67,7 ± 0,3 % (aléatoire)."
    t = fr.text.split("                 Graine 1")[0].replace(" Les précisions sur le test sont les suivantes :", "")
    t += f"""{c2}
{c6}
{fr.key["C3.quote"]}

2.2 Avec HuggingFace

Les trois graines donnent 79,9 %, 79 % et 81,1 %.
{fr.key["C4.quote"]}
""" + fr.text.split("3 Question 2")[1].join(["3 Question 2", ""])
    k = dict(fr.key, **{"C2.quote": c2, "C6.quote": c6, "cells.fairseq.pretrained.seeds": [0, 1, 2],
                        "cells.fairseq.random.seeds": [0, 1, 2], "C6.printed.fairseq.pretrained.mean": "81.1",
                        "C6.printed.fairseq.pretrained.spread": "1.7%", "C6.printed.fairseq.random.mean": "67.7",
                        "C6.printed.fairseq.random.spread": "0.3%"})
    return Report("fr-sentences.txt", t, k)


def _fr_transposed_pdf() -> Report:
    """A PDF: seeds as rows (Graine | Pré-entraîné | Aléatoire), the dims in a table, HF as a list
    labelled by seed, dropout read as acting on the input, no aggregate."""
    fr = _fr_txt()
    drop = "lora_dropout : dropout appliqué à l'entrée x de l'adaptateur."
    t = fr.text.replace("Taille du vocabulaire : 32 000 ; d_model = 512 ; d_ff = 512 ; n_source_positions = 256 ; "
                        "n_layers = 4.", "| V | 32 000 |\n| d_model | 512 |\n| d_ff | 512 |\n| P | 256 |\n| L | 4 |\n")
    t = t.replace("                 Graine 1   Graine 2   Graine 3\nPré-entraîné     79,9 %     80 %       83,5 %\n"
                  "Aléatoire        67,5 %     68,1 %     67,4 %",
                  "| Graine | Pré-entraîné | Aléatoire |\n| 0 | 79,9 % | 67,5 % |\n| 1 | 80 % | 68,1 % |\n"
                  "| 2 | 83,5 % | 67,4 % |")
    t = t.replace(fr.key["C6.quote"] + "\n", "")
    t = t.replace("Modèle pré-entraîné : 79,9 %, 79 % et 81,1 %.", "- graine 0 : 79,9 %\n- graine 1 : 79 %\n- graine 2 : 81,1 %")
    t = t.replace("- lora_dropout : taux de dropout appliqué aux matrices A et B.", "- " + drop)
    k = {f: v for f, v in fr.key.items() if not f.startswith("C6")}
    k.update({"C6.stated": False, "C5.dropout.quote": drop, "C5.dropout.states": "input",
              "cells.fairseq.pretrained.seeds": [0, 1, 2], "cells.fairseq.random.seeds": [0, 1, 2]})
    return Report("fr-transposed.pdf", t, k)


def _en_one_table() -> Report:
    """One table for both frameworks under a heading that names neither; no update count; no
    aggregate; C5 items with a dash, code marks and a scale stated as a product."""
    q = {"C1": "The total is 22807552 parameters.",
         "C2": "All test accuracies: [the table]",
         "C2b": "The best validation accuracy comes at the 5th epoch.",
         "C3": "Pretraining helps a lot: pretrained beats random by more than 13 points.",
         "C4": "The HF runs are consistent with the fairseq ones.",
         "C5.r": "r — rank of A and B.",
         "C5.alpha": "lora_alpha — the adapter output is scaled by alpha*r.",
         "C5.target": "target_modules — which layers get adapters: the attention layers.",
         "C5.dropout": "lora_dropout — dropout on the adapters.",
         "C5.bias": "bias — whether the biases of the base model are trained.",
         "C5.task_type": "task_type — \"CAUSAL_LM\" here."}
    text = f"""Question 1

With $|V| = 32000$, $d = 512$, $d_{{ff}} = 512$, $P = 256$ and $L = 4$:
{q["C1"]}

2 Results

{q["C2b"]} All test accuracies:

Model                 Seed 0   Seed 1   Seed 2
fairseq pretrained    79.9     80.0     83.5
fairseq random        67.5     68.1     67.4
HF pretrained         79.9     79.0     81.1

{q["C3"]} {q["C4"]}

Question 2

- `r` — rank of A and B.
- `lora_alpha` — the adapter output is scaled by alpha*r.
- `target_modules` — which layers get adapters: the attention layers.
- `lora_dropout` — dropout on the adapters.
- `bias` — whether the biases of the base model are trained.
- `task_type` — "CAUSAL_LM" here.
"""
    states = dict(LAB_STATES, **{"C5.alpha": "lora_alpha * r", "C5.bias": "base_layers"})
    del states["C5.bias_none"]
    k = key(cells=FS, quotes=q, updates=0, states=states)
    return Report("en-one-table.txt", text, k)


def _en_other() -> Report:
    """C5 statements that are none of the checkable readings (recorded as "other: ..."), as a PDF."""
    en = _en_md()
    r = "r: the number of layers that receive adapters."
    task = "task_type: the objective of the fine-tuning."
    t = en.text.replace("- **r**: the rank of the update matrices A and B.", "- **r**: the number of layers that receive "
                        "adapters.").replace('- **task_type**: the kind of model peft wraps. We use "CAUSAL_LM".',
                                             "- **task_type**: the objective of the fine-tuning.")
    k = dict(en.key, **{"C5.r.quote": r, "C5.r.states": "other: the number of layers that receive adapters.",
                        "C5.task_type.quote": task, "C5.task_type.states": "other: the objective of the fine-tuning."})
    return Report("en-other.pdf", t, k)


def _shipped() -> list[Report]:
    """Two reports kept as files (tests/data/reports/): French Markdown with LaTeX, seeds listed in a
    parenthesis and a mean column; English plain text with numbered headings, fractions, seeds as
    rows, "+/-", dims as products ("V x d = 32000 x 512") and items without bullets."""
    from pathlib import Path

    data = Path(__file__).parent / "data" / "reports"
    fs3 = {"fairseq.pretrained": FS["fairseq.pretrained"], "fairseq.random": FS["fairseq.random"],
           "hf.pretrained": ([0, 1, 2], [79.9, 79.0, 81.1])}
    c2b = "Le meilleur modèle (précision de validation) est obtenu à la 5e époque, soit 1125 mises à jour."
    fr = {"C1": "soit 22 807 552 paramètres.", "C2": c2b + " [the table]", "C2b": c2b,
          "C3": "Le modèle pré-entraîné est nettement supérieur au modèle initialisé aléatoirement.",
          "C4": "C'est comparable aux résultats obtenus avec fairseq.",
          "C5.r": "r : le rang des matrices de faible rang A et B.",
          "C5.alpha": "lora_alpha : coefficient d'échelle ; la mise à jour est multipliée par alpha / r.",
          "C5.target": "target_modules : modules auxquels on ajoute les adaptateurs (ici query_key_value, dans l'attention).",
          "C5.dropout": "lora_dropout : probabilité de dropout sur les couches LoRA.",
          "C5.bias_none": 'quels biais entraîner ; ici "none".',
          "C5.task_type": "task_type : CAUSAL_LM, modélisation causale du langage."}
    c2b = ("We fine-tuned RoBERTa_small_fr for 5 epochs; the best checkpoint (by validation accuracy) was always the "
           "last one, at epoch 5 (1125 updates).")
    c6 = ("The mean accuracy is 81.1 +/- 1.7 for the pretrained model and 67.7 +/- 0.3 for the model trained from "
          "scratch.")
    en = {"C1": "In total the encoder has 22,807,552 parameters (about 22.8M).", "C2": "Test accuracies: [the table]",
          "C2b": c2b, "C3": "Pretraining clearly helps: the pretrained model is much better than the random one.",
          "C4": "With the HF Trainer we obtain 0.799, 0.790 and 0.811 on the three seeds, similar to fairseq.",
          "C5.r": "r: rank of the low-rank decomposition.",
          "C5.alpha": "lora_alpha: scaling factor; the LoRA output is multiplied by lora_alpha / r.",
          "C5.target": "target_modules: the modules to adapt (query_key_value, i.e. the attention).",
          "C5.dropout": "lora_dropout: dropout applied to the input of the LoRA layers.",
          "C5.bias_none": 'no bias is trained (bias="none").', "C5.task_type": "task_type: CAUSAL_LM.", "C6": c6}
    states = {k: v for k, v in LAB_STATES.items() if k != "C5.bias"}
    return [Report("fr-latex.md", (data / "fr-latex.md").read_text(encoding="utf-8"), key(cells=fs3, quotes=fr, states=states)),
            Report("en-plain.txt", (data / "en-plain.txt").read_text(encoding="utf-8"),
                   key(cells=fs3, quotes=en, states=dict(states, **{"C5.dropout": "input"}),
                       printed={"fairseq.pretrained": ("81.1", "1.7"), "fairseq.random": ("67.7", "0.3")}))]


def _word_mpl() -> Report:
    """French, as a word processor lays it out (aligned columns, a "Moyenne ± écart-type" column,
    no list for LoRA), made into a PDF by matplotlib (pdf.fonttype 42): every line placed by hand."""
    from pathlib import Path

    text = (Path(__file__).parent / "data" / "reports" / "fr-word.txt").read_text(encoding="utf-8")
    table = "Tableau 1 : précision sur le test (%) [the table]"
    q = {"C1": "Sans biais ni LayerNorm : V·d + (P+2)·d + L·(2·d_ff·d + 4·d²) avec V = 32 000, d = 512, d_ff = 512, "
               "P = 256, L = 4, soit 22 807 552 paramètres.",
         "C2": table, "C6": table,
         "C2b": "La précision de validation culmine à la 5e époque (1 125 itérations) pour chaque graine.",
         "C3": "Le pré-entraînement améliore nettement la précision : le modèle pré-entraîné est bien meilleur que le "
               "modèle aléatoire.",
         "C4": "Ces valeurs sont proches de celles de fairseq."}
    k = key(cells={"fairseq.pretrained": FS["fairseq.pretrained"], "fairseq.random": FS["fairseq.random"],
                   "hf.pretrained": ([0, 1, 2], [79.9, 79.0, 81.1])}, quotes=q,
            printed={"fairseq.pretrained": ("81.1", "1.7"), "fairseq.random": ("67.7", "0.3")})
    return Report("fr-word.pdf", text, k, writer="matplotlib")


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
    return (_variants() + [_en_mean_column(), _fr_sentences(), _fr_transposed_pdf(), _en_one_table(), _en_other()]
            + _shipped() + [_word_mpl()])


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

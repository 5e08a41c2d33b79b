"""More reports of the lab for the draft's tests, with their answer keys (``draft_corpus`` says
how keys are made): a mean column, values in sentences, seeds as rows, one table for both
frameworks, C5 words that state none of the readings, and the reports kept as files."""

from __future__ import annotations

from draft_corpus import FS, LAB_STATES, Report, _en_md, _fr_txt, key


def en_mean_column() -> Report:
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


def fr_sentences() -> Report:
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


def fr_transposed_pdf() -> Report:
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


def en_one_table() -> Report:
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


def en_other() -> Report:
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


def shipped() -> list[Report]:
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


def word_mpl() -> Report:
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

"""Layer 1: what a run consumes -- the data, the pretrained checkpoint, and the token ids.

- ``sources`` (+ ``sources.toml``): the embedded corpora's catalogue, fetched once and sha256-checked;
- ``data``: the lab's layout ``{train,valid,test}.{review,label}``, the seeded stratified split of
  an embedded corpus, and the checks of a user's data directory;
- ``checkpoints``: fairseq RoBERTa model directories: the embedded MiniLM import, a user's checkpoint;
- ``models``: the encoder's architecture built in fairseq and in HF from one config;
- ``convert``: fairseq <-> HF weights, name by name;
- ``tokens``: token ids computed once per (data, checkpoint, length) and shared by every run;
- ``user``: a flag over its environment variable (``--data`` / ``$LAB_DATA``, ``--checkpoint`` /
  ``$LAB_CHECKPOINT``).

May import: ``harness.core``.
"""

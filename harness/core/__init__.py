"""Layer 0, the bottom: what every other package stands on and nothing of ours is below.

- ``config``: the configs as data (dataclasses, typed TOML loading, the training profiles);
- ``records``: a run's spec and its result (the one schema every runner returns);
- ``env``: the one place for library work-arounds, determinism, threads, library versions;
- ``machine``: this machine's facts (device, CPU class, native bf16, hardware);
- ``atomic``, ``locking``: files that appear whole or not at all; locks that name their holder;
- ``paths``: where the checkout, ``expected/`` and the profiles are;
- ``requires``: one skip condition for hardware, libraries and user files (the tests' ``RunIf``).

May import: nothing of ours (the standard library, and third-party libraries inside functions).
"""

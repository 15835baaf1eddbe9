"""Run the regdiffusion package (0.2.3) on one expression matrix; used by
bench/diffusion_vs_regdiffusion.py inside bench/.venv-regdiffusion (never imports grncore).

    bench/.venv-regdiffusion/bin/python bench/regdiffusion_worker.py IN.npy OUT.npy THREADS SEED STEPS

IN.npy: cells x genes float32 (log expression, as the package expects). OUT.npy: the package's
adjacency ``trainer.get_adj()`` (genes x genes, rows regulators, float16 as it returns it).
Prints one line ``seconds=<trainer construction + training + get_adj>``.
"""

import sys
import time

import numpy as np
import torch

import regdiffusion as rd

src, dst, threads, seed, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
x = np.load(src)
t0 = time.perf_counter()
trainer = rd.RegDiffusionTrainer(x, device="cpu", seed=seed, n_steps=steps)
trainer.train()
adj = trainer.get_adj()
seconds = time.perf_counter() - t0
np.save(dst, adj)
print(f"seconds={seconds:.3f}")

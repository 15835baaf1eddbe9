"""Rendering the app does not import torch: the sidebar names the compute device from what the
operating system and the torch build record say (`grncore.train.hardware`), and torch is loaded
only when a torch model runs."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from grncore.train import hardware

REPO = Path(__file__).resolve().parents[1]


def test_rendering_every_page_does_not_import_torch(tmp_path):
    code = textwrap.dedent("""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file("app.py", default_timeout=120)
        at.run()
        assert not at.exception, at.exception
        caption = next(c.value for c in at.sidebar.caption if c.value.startswith("Using:"))
        assert "CPU" in caption or "CUDA" in caption or "MPS" in caption, caption
        for page in ("pages/models.py", "pages/training.py", "pages/evaluation.py", "pages/network.py",
                     "pages/literature.py", "pages/restoration.py", "pages/data.py"):
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
        loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
        print("torch modules:", len(loaded))
    """)
    env = {**os.environ, "GRN_WORKSPACE": str(tmp_path / "ws")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "torch modules: 0" in out.stdout, out.stdout


def _fake_driver(root: Path, models: list[str]) -> Path:
    for i, model in enumerate(models):
        d = root / f"0000:{i:02x}:00.0"
        d.mkdir(parents=True)
        (d / "information").write_text(f"Model: \t\t {model}\nIRQ:   42\nGPU UUID: GPU-x\n")
    return root


def test_nvidia_gpus_from_the_driver_files_and_cuda_visible_devices(tmp_path):
    proc = _fake_driver(tmp_path / "gpus", ["NVIDIA H200", "NVIDIA A100-SXM4-80GB"])
    assert hardware.nvidia_gpus(proc, visible=None) == ["NVIDIA H200", "NVIDIA A100-SXM4-80GB"]
    assert hardware.nvidia_gpus(proc, visible="1") == ["NVIDIA A100-SXM4-80GB"]
    assert hardware.nvidia_gpus(proc, visible="1,0") == ["NVIDIA A100-SXM4-80GB", "NVIDIA H200"]
    assert hardware.nvidia_gpus(proc, visible="") == []
    assert hardware.nvidia_gpus(proc, visible="-1") == []
    assert hardware.nvidia_gpus(proc, visible="0,7,1") == ["NVIDIA H200"]  # CUDA stops at an invalid id
    assert hardware.nvidia_gpus(tmp_path / "no-driver") == []


def test_describe_without_torch(monkeypatch, tmp_path):
    proc = _fake_driver(tmp_path / "gpus", ["NVIDIA H200"])
    monkeypatch.setattr(hardware, "_torch_loaded", lambda: False)
    monkeypatch.setattr(hardware, "has_mps", lambda: False)
    monkeypatch.setattr(hardware, "NVIDIA_PROC", proc)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(hardware, "torch_cuda_build", lambda: "12.8")
    assert hardware.choices() == ["cuda:0", "cpu"]
    assert hardware.describe("auto").startswith("CUDA: NVIDIA H200 (confirmed by torch")
    assert hardware.describe("cuda").startswith("CUDA: NVIDIA H200")
    assert "not available" in hardware.describe("cuda:1")
    assert hardware.describe("cpu").startswith("CPU (")
    # a CPU-only torch build cannot use the GPU: auto means the CPU
    monkeypatch.setattr(hardware, "torch_cuda_build", lambda: None)
    assert hardware.choices() == ["cpu"]
    assert hardware.describe("auto").startswith("CPU (")


def test_torch_build_record_is_read_without_import():
    # in a fresh interpreter: in this one an earlier test may have imported torch already
    code = ("import sys; from grncore.train import hardware; build = hardware.torch_cuda_build(); "
            "print('torch' in sys.modules); import torch; print(build == torch.version.cuda)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "True"], out.stdout

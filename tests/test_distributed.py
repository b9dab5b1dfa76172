"""Two processes on the CPU (gloo), started by torchrun, against one process as the oracle: DDP gradients, FSDP2
loss and gathered gradients, and a checkpoint gathered from the sharded model, all equal single-process training
on the same global batch. Also examples/train_ddp.py end to end, with DDP and with FSDP2.

Run as a script (`torchrun --nproc_per_node 2 tests/test_distributed.py OUT`), this file is the worker: each
process writes what it computed to OUT, and the tests below compare it with a single process.
"""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

if not torch.distributed.is_available():
    pytest.skip("this PyTorch build has no torch.distributed", allow_module_level=True)
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "src"))
from glassgpt import GPT, GPTConfig  # noqa: E402
from train_ddp import full_state_dict, shard  # noqa: E402  (the example's own sharding is what is tested)

WORLD = 2
LR = 0.1


def make_model() -> GPT:
    torch.manual_seed(0)  # the same weights in every process
    return GPT(GPTConfig.from_preset("tiny")).train()


def global_batch():
    """4 rows of 16 tokens; process r takes rows 2r and 2r + 1."""
    generator = torch.Generator().manual_seed(1)
    idx = torch.randint(0, 64, (2 * WORLD, 17), generator=generator)
    return idx[:, :-1], idx[:, 1:]


def compute(out: Path):
    """In each process: DDP and FSDP2 on this process's rows; results to OUT/rank{r}.pt, a checkpoint to OUT."""
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    rank = dist.get_rank()
    idx, targets = global_batch()
    mine = slice(2 * rank, 2 * rank + 2)
    result = {}

    ddp = DistributedDataParallel(make_model())
    _, loss = ddp(idx[mine], targets[mine])
    loss.backward()  # DDP averages the gradients over the processes during backward
    result["ddp_grads"] = {name: p.grad for name, p in ddp.module.named_parameters()}

    model = shard(make_model())
    result["tied"] = [model.lm_head.weight is model.tok_emb.weight]
    _, loss = model(idx[mine], targets[mine])
    loss.backward()  # FSDP2 reduce-scatters the averaged gradients: each process keeps its shard
    mean_loss = loss.detach().clone()
    dist.all_reduce(mean_loss)
    result["fsdp_loss"] = mean_loss / dist.get_world_size()
    result["fsdp_grads"] = {name: p.grad.full_tensor() for name, p in model.named_parameters()}
    torch.optim.SGD(model.parameters(), lr=LR).step()  # each process updates its own shards
    with torch.no_grad():
        result["fsdp_logits_after_step"] = model(idx)[0]
    state = full_state_dict(model)  # every process gathers; process 0 receives
    result["tied"].append(model.lm_head.weight is model.tok_emb.weight)  # after a step and a gather too
    try:
        model.save_pretrained(out / f"shards{rank}")  # its own state_dict holds shards (DTensors): refused
    except TypeError as e:
        result["refused_shards"] = "get_model_state_dict" in str(e) and not (out / f"shards{rank}").exists()
    if rank == 0:
        model.save_pretrained(out / "checkpoint", state_dict=state)
    torch.save(result, out / f"rank{rank}.pt")


def worker(out: Path):
    import torch.distributed as dist

    dist.init_process_group("gloo")
    compute(out)
    gc.collect()  # free DDP and FSDP2 state before the group goes (why: examples/train_ddp.py's main)
    dist.barrier()
    dist.destroy_process_group()


def torchrun(*args, timeout=120):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT / "src"))
    if sys.platform == "linux":
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")  # keep gloo's connections on the loopback interface
    # --standalone: a rendezvous on localhost with a free port, nothing reachable from outside
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                             f"--nproc_per_node={WORLD}", *map(str, args)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def single_process():
    """The oracle: one process, the whole global batch, the same SGD step."""
    model = make_model()
    idx, targets = global_batch()
    _, loss = model(idx, targets)
    loss.backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    torch.optim.SGD(model.parameters(), lr=LR).step()
    with torch.no_grad():
        logits = model(idx)[0]
    return dict(loss=loss.detach(), grads=grads, logits_after_step=logits, idx=idx)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("distributed")
    torchrun(__file__, out)
    return out, [torch.load(out / f"rank{r}.pt") for r in range(WORLD)]


def test_ddp_gradients_equal_single_process(ranks, single_process):
    for result in ranks[1]:
        assert result["ddp_grads"].keys() == single_process["grads"].keys()
        for name, grad in single_process["grads"].items():
            torch.testing.assert_close(result["ddp_grads"][name], grad, atol=1e-6, rtol=1e-5, msg=name)


def test_fsdp2_loss_and_gathered_gradients_equal_single_process(ranks, single_process):
    for result in ranks[1]:
        torch.testing.assert_close(result["fsdp_loss"], single_process["loss"], atol=1e-6, rtol=1e-6)
        assert result["fsdp_grads"].keys() == single_process["grads"].keys()
        for name, grad in single_process["grads"].items():
            torch.testing.assert_close(result["fsdp_grads"][name], grad, atol=1e-6, rtol=1e-5, msg=name)


def test_fsdp2_keeps_the_tied_head_one_parameter(ranks):
    """Sharding must not split tok_emb and lm_head into two Parameters. (That the one gradient sums both uses is
    the tok_emb.weight comparison with the single process above.)"""
    for result in ranks[1]:
        assert result["tied"] == [True, True]
        assert "lm_head.weight" not in result["fsdp_grads"]  # named_parameters sees one Parameter


def test_checkpoint_from_sharded_model_loads_in_one_process(ranks, single_process):
    out, results = ranks
    loaded = GPT.from_pretrained(out / "checkpoint")
    assert loaded.lm_head.weight is loaded.tok_emb.weight
    with torch.no_grad():
        logits = loaded(single_process["idx"])[0]
    torch.testing.assert_close(logits, results[0]["fsdp_logits_after_step"], atol=1e-6, rtol=0)
    torch.testing.assert_close(logits, single_process["logits_after_step"], atol=1e-5, rtol=0)


def test_saving_shards_is_refused_with_directions(ranks):
    assert all(result["refused_shards"] for result in ranks[1])


def test_example_trains_the_same_with_ddp_and_fsdp2(tmp_path):
    """examples/train_ddp.py under torchrun: both engines take the same steps on the same data, so they end with
    the same weights (up to the order of floating-point sums), and the checkpoint loads in one process."""
    text = tmp_path / "text.txt"
    text.write_text("to be, or not to be, that is the question\n" * 20)
    for engine in ("ddp", "fsdp"):
        flags = ["--fsdp"] if engine == "fsdp" else []
        result = torchrun("examples/train_ddp.py", "--steps", 3, "--preset", "tiny", "--data", text,
                          "--out", tmp_path / engine, *flags)
        assert "step     3  loss" in result.stdout
    ddp, fsdp = GPT.from_pretrained(tmp_path / "ddp"), GPT.from_pretrained(tmp_path / "fsdp")
    for name, tensor in ddp.state_dict().items():
        torch.testing.assert_close(fsdp.state_dict()[name], tensor, atol=1e-6, rtol=1e-5, msg=name)


if __name__ == "__main__":
    worker(Path(sys.argv[1]))

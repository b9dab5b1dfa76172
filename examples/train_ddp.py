"""Train glassgpt on several processes with PyTorch's own engine: DDP, or FSDP2 with --fsdp.

    torchrun --nproc_per_node 2 examples/train_ddp.py                        # DDP, CPU (gloo) or GPUs (nccl)
    torchrun --nproc_per_node 2 examples/train_ddp.py --fsdp --out run1      # FSDP2, then save a checkpoint

Every process trains on its own slice of each global batch (--batch-size rows per process).
- DDP (DistributedDataParallel) keeps a whole copy of the model in every process and averages the gradients
  during the backward pass, so every copy takes the same optimizer step.
- FSDP2 (`torch.distributed.fsdp.fully_shard`) keeps 1/world of every parameter in each process: one unit per
  TransformerBlock, then the root for the rest (embeddings, final LayerNorm, head). A unit's full weights are
  gathered just before it runs and freed after; its gradients are reduce-scattered back into shards.
The model learns the bytes of a text file (this repository's README.md unless --data says otherwise), one token per
byte. --out writes a Hugging Face GPT-2 folder that `GPT.from_pretrained` and transformers both read.
"""

import argparse
import gc
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict
from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
from torch.nn.parallel import DistributedDataParallel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # this checkout's glassgpt, installed or not
from glassgpt import GPT, GPTConfig  # noqa: E402


def shard(model: GPT, param_dtype: torch.dtype | None = None) -> GPT:
    """FSDP2: one unit per TransformerBlock, then the root, which takes what is left.

    The tied head (`lm_head.weight is tok_emb.weight`) is one Parameter, and both its users live in the root unit,
    so it is sharded once and stays one Parameter. `param_dtype=torch.bfloat16` computes in bf16 while the shards,
    the optimizer step and the gradient reduction stay in fp32.
    """
    policy = MixedPrecisionPolicy(param_dtype=param_dtype, reduce_dtype=torch.float32 if param_dtype else None)
    for block in model.blocks:
        fully_shard(block, mp_policy=policy)
    fully_shard(model, mp_policy=policy)
    return model


def full_state_dict(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every process calls this (it gathers); process 0 gets the whole state dict on the CPU, the others {}."""
    return get_model_state_dict(model, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def random_windows(data: torch.Tensor, batch_size: int, block_size: int, generator: torch.Generator):
    """batch_size random windows of the data: inputs (B, T) and next-token targets (B, T)."""
    starts = torch.randint(0, len(data) - block_size, (batch_size,), generator=generator)
    rows = torch.stack([data[s: s + block_size + 1] for s in starts.tolist()])  # (B, T + 1)
    return rows[:, :-1], rows[:, 1:]


def train(args, device: torch.device):
    """Train, print the mean loss now and then (process 0), and save to args.out if given."""
    rank, world, cuda = dist.get_rank(), dist.get_world_size(), device.type == "cuda"
    # The same seed in every process gives the same initial weights: DDP would broadcast process 0's anyway,
    # but fully_shard keeps each process's own slice of its own tensors, so they must agree from the start.
    torch.manual_seed(args.seed)
    model = GPT(GPTConfig.from_preset(args.preset, vocab_size=256)).to(device).train()
    bf16 = args.dtype == "bf16"
    if args.fsdp:
        model = shard(model, torch.bfloat16 if bf16 else None)
        train_model = model
    else:
        train_model = DistributedDataParallel(model, device_ids=[device.index] if cuda else None)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)

    data = torch.frombuffer(bytearray(args.data.read_bytes()), dtype=torch.uint8).long()
    generator = torch.Generator().manual_seed(args.seed + rank)  # each process draws its own rows
    block_size = model.config.block_size
    for step in range(1, args.steps + 1):
        x, y = (t.to(device) for t in random_windows(data, args.batch_size, block_size, generator))
        # DDP: autocast runs the matmuls in bf16; FSDP2 does it through its mixed-precision policy instead
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16 and not args.fsdp):
            _, loss = train_model(x, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step % 10 == 0 or step in (1, args.steps):
            mean_loss = loss.detach().clone()
            dist.all_reduce(mean_loss)  # a sum: gloo has no average
            if rank == 0:
                print(f"step {step:5d}  loss {mean_loss.item() / world:.4f}", flush=True)

    if args.out:
        state = full_state_dict(model) if args.fsdp else model.state_dict()  # a DDP replica holds everything
        if rank == 0:
            model.save_pretrained(args.out, state_dict=state)
            print(f"saved {args.out}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fsdp", action="store_true", help="shard with FSDP2 instead of replicating with DDP")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=8, help="rows per process")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--preset", default="small", help="GPTConfig preset (vocab_size becomes 256, one per byte)")
    parser.add_argument("--dtype", choices=("fp32", "bf16"), default="fp32",
                        help="bf16: compute in bfloat16, keep weights and optimizer in fp32")
    parser.add_argument("--data", type=Path, default=ROOT / "README.md", help="a text file to learn")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--out", type=Path, help="write the trained model here (Hugging Face GPT-2 format)")
    args = parser.parse_args()

    # torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and where to meet; NCCL for GPUs, gloo for CPUs
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"])) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    train(args, device)
    # Tear down in this order. DDP's reducer and FSDP2's state hold the process group; freed after the group is
    # destroyed, they can hang the process or abort it at exit ("terminate called without an active exception":
    # gloo's worker thread frees its last work while Python is shutting down). train() has returned, which frees
    # DDP; FSDP2's hooks make reference cycles, which only the cycle collector frees, so run it now.
    gc.collect()
    dist.barrier()  # no process tears down its connections while another still uses them (process 0 saving)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

"""The learner's file as the checker sees it: a process to ask (a channel to runner.py), never code run here.

`Learner` sends each request and reads the reply as hostile data (protocol.field checks every value it uses):
the learner's code runs on the other side and may have written the reply itself. It chooses every input and every
random weight here, and keeps the weights it chose, so that the reference is always computed from the checker's
own numbers. A reply that says the learner's code raised becomes LearnerRaised, whose note says what and where;
a process that stops answering (time up, a crash, an exit, bytes that are not a reply) is ChildGone.
"""

import ast
import functools
import json
import math
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn as nn

from ..errors import GlassGPTError
from ..model import MLP
from .protocol import ProtocolError, decode, encode, field
from .reference import CHECK_CONFIG, features, load_reference, reference_config, same
from .report import Note, Where
from .runner import CLASS_NAMES, Runner

__all__ = ["CLASS_NAMES", "Learner", "LearnerRaised", "ChildGone", "LocalChannel", "ClassInfo", "Remote", "Other",
           "open_learner"]
MAX_PARAMETERS = 1 << 25  # numbers in one module: the check's GPT has about 30,000; this many take 128 MiB
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class LearnerRaised(Exception):
    """The learner's code raised; `note` says what and where."""

    def __init__(self, note: Note):
        super().__init__(note.key)
        self.note = note


class ChildGone(Exception):
    """The process running the learner's file no longer answers: `how` is timeout, crashed, exited or garbled
    (bytes that are not an answer), `fields` fill the note, `where` is its place in the file when known."""

    def __init__(self, how: str, fields: dict, where: Where | None = None):
        super().__init__(how)
        self.how, self.fields, self.where = how, fields, where

    @property
    def note(self) -> Note:
        return Note(self.how, self.fields, self.where)


class LocalChannel:
    """The runner in this process, its messages still encoded and decoded: for tests on files they wrote."""

    def __init__(self, file, seed: int):
        self.runner = Runner(file, seed)

    def request(self, op: str, **args) -> dict:
        return decode(encode(self.runner.serve(decode(encode({"op": op, "args": args})))))

    def close(self) -> None:
        self.runner.close()


def clean(text: str, limit: int = 200) -> str:
    """Text from the other process, fit for a terminal: control characters written out, and not too long."""
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass(frozen=True)
class ClassInfo:
    name: str
    own: bool  # defined in the learner's file
    glassgpt: str | None  # the glassgpt class it is or derives from
    takes_bias: bool


@dataclass(frozen=True)
class Remote:
    """A module kept by the runner, as the checker knows it: its parameters (name, shape, id: names that share
    one tensor share the id) and submodules (glassgpt's own among them)."""

    handle: int
    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    ids: tuple[int, ...]
    modules: frozenset[str]
    glassgpt: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Other:
    """A value of a type the runner does not send (a dict, a string, a module ...), by its type's name."""

    name: str


def type_name(value) -> str:
    return value.name if isinstance(value, Other) else type(value).__name__


def _strings(value, name: str) -> list[str]:
    items = field({name: value}, name, list)
    if not all(isinstance(item, str) for item in items):
        raise ProtocolError(f"{name!r} holding other than names")
    return items


def _value(value, depth: int = 0):
    """A returned value, rebuilt: a tensor, None, a number, a tuple or list of these, or Other."""
    if isinstance(value, torch.Tensor) or value is None or type(value) in (bool, int, float):
        return value
    if isinstance(value, dict) and depth < 3:
        if set(value) == {"other"} and isinstance(value["other"], str):
            return Other(clean(value["other"], 60))
        if set(value) == {"seq", "type"} and value["type"] in ("tuple", "list") and isinstance(value["seq"], list):
            items = [_value(v, depth + 1) for v in value["seq"]]
            return tuple(items) if value["type"] == "tuple" else items
    raise ProtocolError("a returned value that is not data")


def _garbled_is_gone(method):
    """Replies that do not hold what they should end the conversation: ChildGone("garbled")."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (ProtocolError, TypeError, ValueError, KeyError, IndexError) as e:
            raise ChildGone("garbled", {"error": clean(str(e) or type(e).__name__)}) from None
    return wrapper


def open_learner(channel, shown: str, file: Path, source: bytes, seed: int) -> "Learner":
    """The learner's file imported on the other side of `channel`: a GlassGPTError naming it when the import
    raised or a class the checker cannot do without is missing (ChildGone when the process stopped)."""
    reply = _garbled_is_gone(channel.request)("load")
    try:
        failed = field(reply, "import_failed", dict, optional=True)
        if failed is not None:
            line = failed.get("line")
            raise GlassGPTError("learner_import", file=shown, line=line if type(line) is int else "?",
                                error=clean(field(failed, "error", str)))
        missing = field(reply, "missing", str, optional=True)
        if missing is not None:
            raise GlassGPTError("learner_no_class", file=shown, name=clean(missing, 40))
        classes = {}
        for role, info in field(reply, "classes", dict).items():
            if role in CLASS_NAMES and info is not None:
                classes[role] = ClassInfo(clean(field(info, "name", str), 40), field(info, "own", bool),
                                          field(info, "glassgpt", str, optional=True), field(info, "takes_bias", bool))
    except GlassGPTError:
        raise
    except (ProtocolError, TypeError, ValueError, KeyError, AttributeError) as e:
        raise ChildGone("garbled", {"error": clean(str(e) or type(e).__name__)}) from None
    return Learner(channel, file, source, seed, classes)


class Learner:
    """The learner's file, asked through `channel`. Nothing in it changes while grading: what it knows is read
    from their code alone (the same whichever check asks first)."""

    def __init__(self, channel, file: Path, source: bytes, seed: int, classes: dict):
        self.channel, self.file, self.source, self.seed = channel, file, source, seed
        self.classes = classes  # role -> ClassInfo, for the parts the file has
        self._lines = source.decode("utf-8", "replace").splitlines()

    def ask(self, op: str, **args) -> dict:
        """The reply to one request; LearnerRaised when their code raised, ChildGone when nothing sensible came."""
        try:
            reply = self.channel.request(op, **args)
            raised = field(reply, "raised", dict, optional=True)
            if raised is not None:
                key = field(raised, "key", str)
                if key not in ("raised", "not_written"):
                    raise ProtocolError(f"a note {key!r}")
                raise LearnerRaised(Note(key, {"error": clean(field(raised, "error", str))},
                                         self._where(field(raised, "where", dict, optional=True))))
            return reply
        except ProtocolError as e:
            raise ChildGone("garbled", {"error": clean(str(e))}) from None

    def _where(self, where: dict | None) -> Where | None:
        if where is None:
            return None
        line = field(where, "line", int)
        code = clean(self._lines[line - 1].strip()) if 0 < line <= len(self._lines) else ""
        return Where(clean(field(where, "name", str), 80), line, code)

    @_garbled_is_gone
    def _remote(self, reply: dict) -> Remote:
        names = _strings(reply.get("names"), "names")
        shapes = tuple(tuple(int(n) for n in s) for s in field(reply, "shapes", list))
        ids = tuple(field(reply, "ids", list))
        glass = tuple((clean(p), clean(b)) for p, b in field(reply, "glassgpt", list))
        if not (len(names) == len(shapes) == len(ids)) or not all(type(i) is int for i in ids):
            raise ProtocolError("parameters that do not add up")
        if any(n < 0 for shape in shapes for n in shape) or sum(math.prod(s) for s in shapes) > MAX_PARAMETERS:
            raise ProtocolError("parameters of impossible sizes")
        return Remote(field(reply, "handle", int), tuple(names), shapes, ids,
                      frozenset(_strings(reply.get("modules"), "modules")), glass)

    # --- what the checker asks ---------------------------------------------------------------------------------

    @_garbled_is_gone
    def config(self, **changes) -> int:
        """The learner's GPTConfig with CHECK_CONFIG's sizes, kept by the runner (LearnerRaised if refused)."""
        return self._handle(self.ask("config", changes={**CHECK_CONFIG, **changes}))

    @_garbled_is_gone
    def _handle(self, reply: dict) -> int:
        return field(reply, "handle", int)

    @_garbled_is_gone
    def build(self, role: str, config: int | None) -> Remote | str:
        """The learner's class of part `role` built (their own initialisation, eval mode); the name of what came
        back instead when it is not an nn.Module."""
        info = self.classes[role]
        if role == "layer_norm":
            reply = self.ask("build", name=info.name, n_embd=CHECK_CONFIG["n_embd"],
                             bias=True if info.takes_bias else None)
        else:
            reply = self.ask("build", name=info.name, config=config)
        if "not_module" in reply:
            return clean(str(reply["not_module"]), 60)
        return self._remote(reply)

    @_garbled_is_gone
    def weights(self, module: Remote, weights: dict) -> Remote:
        """A copy of `module` carrying `weights` ({name: tensor}, one name per tensor)."""
        return self._remote(self.ask("weights", handle=module.handle, names=list(weights),
                                     tensors=list(weights.values())))

    @_garbled_is_gone
    def randomised(self, module: Remote, generator: torch.Generator) -> tuple[Remote, dict]:
        """A copy of `module` with random weights chosen here, of a sensible size, so that no zero bias or unit gain
        hides a mistake (matrices N(0, 1/fan_in), vectors moved by N(0, 0.2^2) from the learner's own), and those
        weights by every name they go by."""
        own = self.state(module)
        chosen, by_id = {}, {}
        for name, shape, i in zip(module.names, module.shapes, module.ids):
            if i in by_id:
                continue
            if len(shape) >= 2:
                by_id[i] = torch.randn(shape, generator=generator) / math.sqrt(shape[-1])
            else:
                by_id[i] = own[name].float() + 0.2 * torch.randn(shape, generator=generator)
            chosen[name] = by_id[i]
        return self.weights(module, chosen), {n: by_id[i] for n, i in zip(module.names, module.ids)}

    @_garbled_is_gone
    def state(self, module: Remote) -> dict:
        """The module's parameters as the runner has them, by every name, checked against the shapes it gave."""
        reply = self.ask("state", handle=module.handle)
        names, tensors = _strings(reply.get("names"), "names"), field(reply, "tensors", list)
        state = dict(zip(names, tensors))
        if names != list(module.names) or any(not isinstance(state[n], torch.Tensor) or tuple(state[n].shape) != s
                                              for n, s in zip(module.names, module.shapes)):
            raise ChildGone("garbled", {"error": "parameters that do not match the module's"})
        return state

    @_garbled_is_gone
    def replace(self, module: Remote, parts: list[tuple[str, nn.Module]], config) -> Remote:
        """A copy of `module` with glassgpt's modules (built from the GPTConfig `config`) at the given paths. Each is
        sent as a recipe (its class name, the numbers it is built from, its tensors), never pickled: the runner
        builds it again from glassgpt's own code."""
        sent = []
        for path, part in parts:
            if isinstance(part, nn.LayerNorm):
                numbers = {"n_embd": part.normalized_shape[0], "bias": part.bias is not None, "eps": part.eps}
            else:
                numbers = asdict(config)
            names, tensors = zip(*part.state_dict().items())
            sent.append([path, type(part).__name__, json.dumps(numbers), list(names), list(tensors)])
        return self._remote(self.ask("replace", handle=module.handle, parts=sent))

    @_garbled_is_gone
    def forward(self, module: Remote, *args: torch.Tensor):
        reply = self.ask("forward", handle=module.handle, args=list(args))
        if "out" not in reply:
            raise ProtocolError("a message without 'out'")
        return _value(reply["out"])

    @_garbled_is_gone
    def gradients(self, module: Remote, *args: torch.Tensor) -> dict:
        """{name: gradient or None} after backward from the loss of a copy of `module` on `args`."""
        reply = self.ask("gradients", handle=module.handle, args=list(args))
        names, grads = _strings(reply.get("names"), "names"), field(reply, "grads", list)
        if len(names) != len(grads) or not all(g is None or isinstance(g, torch.Tensor) for g in grads):
            raise ChildGone("garbled", {"error": "gradients that are not tensors"})
        return dict(zip(map(clean, names), grads))

    # --- where, and what the learner chose ---------------------------------------------------------------------

    def where_defined(self, class_name: str, method: str = "forward") -> Where | None:
        """Where the learner's class defines `method`, read from their source (parsed, never run)."""
        for node in ast.parse(self.source).body:
            if isinstance(node, ast.ClassDef) and node.name == class_name:
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method:
                        return Where(f"{class_name}.{method}", item.lineno)
        return None

    def generator(self, *names: str) -> torch.Generator:
        """A generator of its own for each (part, check, ...): what one check draws never depends on another."""
        return torch.Generator().manual_seed((self.seed * 1_000_003 + zlib.crc32("/".join(names).encode())) % 2 ** 63)

    @functools.cached_property
    def eps(self) -> float:
        """The eps of the learner's own LayerNorm, where it keeps one as `eps`; GPT-2's 1e-5 otherwise."""
        info = self.classes.get("layer_norm")
        try:
            built = self.build("layer_norm", None) if info and info.own and not info.glassgpt else None
            eps = field(self.ask("eps", handle=built.handle), "eps", float, optional=True) \
                if isinstance(built, Remote) else None
        except (LearnerRaised, ProtocolError):
            eps = None
        return eps if eps is not None and math.isfinite(eps) and eps > 0 else 1e-5

    @functools.cached_property
    def gelu(self) -> str:
        """Which GELU the learner's MLP computes: "none" (exact) when it matches that one, else GPT-2's "tanh"."""
        info = self.classes.get("mlp")
        if info is None or not info.own or info.glassgpt:
            return "tanh"
        try:
            mlp = self.build("mlp", self.config())
            if not isinstance(mlp, Remote):
                return "tanh"
            mlp, weights = self.randomised(mlp, self.generator("mlp", "gelu"))
            x = features(self.generator("mlp", "gelu", "x"))
            got = self.forward(mlp, x)
            exact = MLP(reference_config(gelu="none"))
            with torch.no_grad():
                if isinstance(got, torch.Tensor) and load_reference(exact, weights) == [] and same(got, exact(x)):
                    return "none"
        except LearnerRaised:  # a broken MLP is graded by its own checks; the others use GPT-2's GELU
            pass
        return "tanh"

"""Walk a pickle's opcodes symbolically, never unpickling, and record what it would import and call.

We keep a model of the unpickler's stack and memo: strings, numbers, tuples,
lists and dicts are kept as values, imports as `Global`, call results as
`Call`, everything else as `UNKNOWN`.  That is what resolves `STACK_GLOBAL`
operands fetched through the memo (`MEMOIZE`/`BINPUT`/`LONG_BINPUT` then
`GET`/`BINGET`/`LONG_BINGET`), which scanners that look at "the two previous
string opcodes" get wrong (picklescan#14, modelscan#54, modelscan#85).

The opcode table is `pickletools.opcodes` (the stdlib's own description of
the pickle machine); we read arguments ourselves so that a length a file
declares is never allocated: big byte strings are skipped, not read.
"""
from __future__ import annotations

import io
import pickletools
import re
import struct
from dataclasses import dataclass, field

from .streams import LineTooLong, Stream, StreamError

BIG_ARG = 1 << 20  # byte/str arguments larger than this are skipped, not kept
NESTED_DEPTH = 3  # how deep pickles inside bytes literals are followed

OPCODES = {op.code.encode("latin-1"): op for op in pickletools.opcodes}
# Length-prefixed arguments: (length format, kind) — read by hand to skip big ones.
_LENGTH_ARGS = {
    "BINSTRING": ("<i", "bytes"), "SHORT_BINSTRING": ("<B", "bytes"),
    "BINBYTES": ("<I", "bytes"), "SHORT_BINBYTES": ("<B", "bytes"), "BINBYTES8": ("<Q", "bytes"),
    "BYTEARRAY8": ("<Q", "bytes"), "BINUNICODE": ("<I", "str"), "SHORT_BINUNICODE": ("<B", "str"),
    "BINUNICODE8": ("<Q", "str"), "LONG4": ("<i", "long"),
}
_LENGTH_ARGS = {name: (struct.Struct(fmt), kind) for name, (fmt, kind) in _LENGTH_ARGS.items()}
# torch 2.13 torch/_weights_only_unpickler.py, Unpickler.load: the opcodes it implements.
TORCH_OPCODES = frozenset(
    "GLOBAL NEWOBJ REDUCE BUILD APPEND APPENDS SETITEM SETITEMS MARK TUPLE TUPLE1 TUPLE2 TUPLE3 "
    "NONE NEWFALSE NEWTRUE EMPTY_TUPLE EMPTY_LIST EMPTY_DICT EMPTY_SET BININT BININT1 BININT2 "
    "BINFLOAT BINUNICODE SHORT_BINSTRING BINPERSID BINGET LONG_BINGET BINPUT LONG_BINPUT LONG1 "
    "PROTO STOP".split())
# Opcodes that only push their (non-bytes) argument, and the memo ones.
_PLAIN_PUSH = frozenset({"BININT", "BININT1", "BININT2", "BINUNICODE", "SHORT_BINUNICODE", "BINFLOAT",
                         "LONG1", "INT", "LONG", "FLOAT", "UNICODE", "BINUNICODE8", "STRING"})
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})
MAX_STACK = 1_000_000  # a pickle that keeps pushing is a denial of service, not a model
MAX_MEMO = 1_000_000
# Opcodes walked per file, all its pickles together: the walk costs about 1-3 us an opcode, so this
# bounds a scan near 2 s whatever the bytes (MEMOIZE or DUP floods, zip bombs of opcodes).  Real
# checkpoints walk a few thousand (torch data.pkl) to a few hundred thousand (joblib forests).
MAX_OPS = 1_000_000
# The budget is in units of an inline opcode: a handler call or an argument read costs about 2-3 times
# as much CPU, and is charged so (bench/pickle_worst.py measures the floods of each kind).
_SLOW_STEP, _SLOW_ARG = 2, 3
HIGHEST_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL of Python 3.8 to 3.13: PROTO above it fails the load
# A module or attribute name no import can resolve (importlib refuses it, no module defines it):
# the loader fails at that GLOBAL, so nothing after it runs.
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
CALL_OPCODES = frozenset({"REDUCE", "BUILD", "NEWOBJ", "NEWOBJ_EX", "OBJ", "INST"})


class _Mark:
    def __repr__(self) -> str:
        return "MARK"


class _Unknown:
    def __repr__(self) -> str:
        return "?"


MARK = _Mark()
UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Global:
    module: str
    name: str

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(eq=False)
class Call:
    """The result of REDUCE/NEWOBJ/OBJ/INST: `func(*args)`, plus BUILD state."""

    func: object
    args: object
    state: object = None
    opcode: str = ""  # REDUCE/INST/OBJ call the class (its __init__ runs); NEWOBJ(_EX) only __new__


@dataclass(frozen=True)
class Blob:
    """A byte string too large to keep: its size and first bytes."""

    size: int
    head: bytes


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    opcode: str
    offset: int
    where: str = ""  # "" for the pickle itself, else the nested location

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True)
class Problem:
    """Something the machine could not resolve or that a loader would refuse."""

    kind: str  # unresolved-global, computed-callable, build-on-global, dunder-state, memo-miss, array-data
    detail: str
    offset: int
    where: str = ""


@dataclass
class PickleScan:
    start: int
    protocol: int = 0
    end: int = 0
    complete: bool = False  # reached STOP
    error: str | None = None  # where the walk stopped; CPython's unpickler stops there too
    unscannable: str | None = None  # the walk stopped where CPython would go on: the rest is unknown
    imports: list[Import] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    opcodes: dict[str, int] = field(default_factory=dict)  # name -> first offset
    ops: int = 0
    calls: int = 0
    persistent_ids: int = 0
    # Offset of the first GLOBAL/STACK_GLOBAL/INST whose name no import resolves: every loader fails
    # there, so what precedes it is what runs (the walk goes on: findings after it cost nothing).
    doomed: int | None = None
    result: object = None  # the value left at STOP (a legacy torch file's first pickle is its magic number)

    def runs_before_failure(self) -> bool:
        """Does a loader import or call something before it certainly fails?"""
        stop = self.doomed if self.doomed is not None else None
        if any(p.kind == "frame-mismatch" for p in self.problems):
            return True  # the loaders read different opcodes: the stream is judged unsafe as it is
        for imp in self.imports:
            if not imp.where and (stop is None or imp.offset < stop):
                return True
        return False


class Budget:
    """Opcodes left to walk in one file (MAX_OPS), shared by all its pickles."""

    def __init__(self, ops: int = MAX_OPS):
        self.ops = ops


class PickleSyntaxError(Exception):
    """The data is not a valid pickle here: CPython's unpickler fails at the same point."""


class _Unscannable(Exception):
    """We stop for our own limits where CPython would go on."""


# What a protocol-0 argument line must start with for CPython to accept it;
# a too-long line that fails this is a parse error for CPython as well.
_LINE_START = {
    "STRING": re.compile(rb"['\"]"),
    "FLOAT": re.compile(rb"[-+0-9.iInN]"),
}


def _plausible_line(opname: str, head: bytes) -> bool:
    """Could CPython accept a too-long argument line that starts with `head`?"""
    if opname in ("INT", "LONG", "GET", "PUT"):
        return False  # CPython refuses integers of more than 4300 digits (sys.int_info)
    if opname in ("GLOBAL", "INST"):
        return False  # no module or attribute has a name that long: the import fails
    pattern = _LINE_START.get(opname)
    return True if pattern is None else bool(pattern.match(head))  # UNICODE, PERSID: any bytes


_FIXED_ARGS = {name: struct.Struct(fmt) for name, fmt in {
    "BINPUT": "<B", "BINGET": "<B", "LONG_BINPUT": "<I", "LONG_BINGET": "<I", "BININT": "<i", "BININT1": "<B",
    "BININT2": "<H", "BINFLOAT": ">d", "PROTO": "<B", "FRAME": "<Q", "EXT1": "<B", "EXT2": "<H", "EXT4": "<i",
}.items()}


_K_PUSH, _K_PUT, _K_GET, _K_MARK, _K_STOP, _K_OTHER, _K_CONST, _K_STR, _K_TUPLE1, _K_REDUCE, _K_BINPERSID, \
    _K_TUPLE, _K_FRAME, _K_MEMOIZE = range(14)
_INLINE = {"TUPLE1": _K_TUPLE1, "REDUCE": _K_REDUCE, "BINPERSID": _K_BINPERSID, "TUPLE": _K_TUPLE,
           "FRAME": _K_FRAME, "MEMOIZE": _K_MEMOIZE}
_CONSTS = {"NONE": None, "NEWTRUE": True, "NEWFALSE": False, "EMPTY_TUPLE": ()}


def _kind(name: str) -> int:
    if name in _CONSTS:
        return _K_CONST
    if name in ("BINUNICODE", "SHORT_BINUNICODE"):
        return _K_STR
    return (_K_PUSH if name in _PLAIN_PUSH else _K_PUT if name in _PUTS else _K_GET if name in _GETS
            else _K_MARK if name == "MARK" else _K_STOP if name == "STOP" else _INLINE.get(name, _K_OTHER))


# opcode byte -> (kind, fixed-size argument struct or None, pickletools opcode, constant pushed)
# For _K_STR the struct is the one of the length prefix.
_TABLE: list = [None] * 256
for _op in pickletools.opcodes:
    _fixed = _LENGTH_ARGS[_op.name][0] if _kind(_op.name) == _K_STR else _FIXED_ARGS.get(_op.name)
    _TABLE[ord(_op.code)] = (_kind(_op.name), _fixed, _op, _CONSTS.get(_op.name))


# The C unpickler reads these payloads with _Unpickler_ReadInto (the rest of a frame, then the file).
_READ_INTO = frozenset({"BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8"})


def _read_arg(op, stream: Stream):
    """The argument of `op`; big length-prefixed ones are skipped (Blob)."""
    fixed = _FIXED_ARGS.get(op.name)
    if fixed is not None:
        data = stream.read(fixed.size)
        if len(data) != fixed.size:
            raise PickleSyntaxError(f"{op.name}: truncated argument")
        return fixed.unpack(data)[0]
    spec = _LENGTH_ARGS.get(op.name)
    if spec is None:
        return _read_line_arg(op, stream)
    fmt, kind = spec
    raw = stream.read(fmt.size)
    if len(raw) != fmt.size:
        raise PickleSyntaxError(f"{op.name}: truncated length")
    (n,) = fmt.unpack(raw)
    if n < 0:
        raise PickleSyntaxError(f"{op.name}: negative length {n}")
    into = op.name in _READ_INTO
    if n > BIG_ARG:
        head = stream.peek(16)
        if (stream.skip_into(n) if into else stream.skip(n)) != n:
            raise PickleSyntaxError(f"{op.name}: argument of {n} bytes runs past the end")
        return Blob(n, head)
    data = stream.read_into(n) if into else stream.read(n)
    if len(data) != n:
        raise PickleSyntaxError(f"{op.name}: argument of {n} bytes runs past the end")
    if kind == "str":
        return data.decode("utf-8", "surrogatepass")
    if kind == "long":
        return int.from_bytes(data, "little", signed=True)
    if op.name in ("BINSTRING", "SHORT_BINSTRING"):
        return data.decode("latin-1")  # Python 2 str: a str under encoding='latin1'
    return data


def _line(stream: Stream) -> bytes:
    """A protocol-0 argument line without its last byte, as both unpicklers take it (`readline()[:-1]`):
    at the end of a file the line has no newline and loses its last character all the same."""
    line = stream.readline()
    if not line:
        raise PickleSyntaxError("data ends inside an argument line")
    return line[:-1]


def _read_line_arg(op, stream: Stream):
    """Text arguments.  A value we cannot parse is UNKNOWN, not an error: CPython's parsers accept more
    than pickletools' (`I0x10` is 16 to strtol with base 0), and stopping where the loader goes on
    would hide what follows."""
    if op.arg.n != pickletools.UP_TO_NEWLINE:  # LONG1: a length byte, then the bytes
        return op.arg.reader(stream)
    if op.name in ("GLOBAL", "INST"):
        module, name = _line(stream), _line(stream)
        try:
            return f"{module.decode('utf-8')}\n{name.decode('utf-8')}"  # a newline is in neither
        except UnicodeDecodeError:
            raise PickleSyntaxError(f"{op.name}: a name that is not UTF-8 (no import resolves it)") from None
    if op.name in ("GET", "PUT"):
        text = _line(stream)
        try:
            return int(text)
        except ValueError:
            raise PickleSyntaxError(f"{op.name}: bad memo index {text[:20]!r}") from None
    text = _line(stream)
    if op.name == "PERSID":
        return UNKNOWN
    try:
        return op.arg.reader(io.BytesIO(text + b"\n"))
    except (ValueError, UnicodeDecodeError, OverflowError):
        return UNKNOWN


class Machine:
    """The symbolic unpickler for one pickle stream."""

    def __init__(self, stream: Stream, *, base: int = 0, where: str = "", joblib: bool = False, depth: int = 0,
                 budget: Budget | None = None, persid_fails: bool = False, torch: bool = False,
                 file_view: bool = False):
        # file_view: the stream is a CFileView, which reads frames as the C file loader does;
        # there a frame boundary is no disagreement (that is the first walk's finding).
        self.file_view = file_view
        self.budget = budget if budget is not None else Budget()
        # torch's UnpicklerWrapper.find_class returns StorageType(name) for a name containing
        # "Storage" before it looks at the module, so under torch's rules such a GLOBAL resolves.
        self.torch = torch
        # A loader without persistent_load (pickle.load, joblib, numpy) fails at PERSID/BINPERSID;
        # torch's unpicklers have one (zip data.pkl, legacy pickles), so there it goes on.
        self.persid_fails = persid_fails
        self.s = stream
        self.base = base - stream.pos  # stream.pos + base = offset in the scanned object
        self.stack: list = []
        self.memo: dict = {}
        self.joblib = joblib
        self.depth = depth
        self.where = where
        self.scan = PickleScan(start=base)
        self.fend = -1  # run()'s frame end, for the handlers that read data outside opcodes

    # -- stack helpers: CPython's unpickler fences the stack at the top MARK (C: Pdata fence,
    # Python: metastack), so popping below it, or from an empty stack, fails the load.
    def pop(self):
        st = self.stack
        if not st or st[-1] is MARK:
            raise PickleSyntaxError("stack underflow")
        return st.pop()

    def pop_mark(self) -> list:
        st = self.stack
        for i in range(len(st) - 1, -1, -1):
            if st[i] is MARK:
                items = st[i + 1:]
                del st[i:]
                return items
        st.clear()
        raise PickleSyntaxError("no MARK on the stack")

    def top(self):
        st = self.stack
        if not st or st[-1] is MARK:
            raise PickleSyntaxError("stack underflow")
        return st[-1]

    def problem(self, kind: str, detail: str, offset: int) -> None:
        self.scan.problems.append(Problem(kind, detail, offset, self.where))

    def add_import(self, module: str, name: str, opcode: str, offset: int) -> Global:
        if self.scan.doomed is None and not (IDENT.match(module) and IDENT.match(name)) \
                and not (self.torch and "Storage" in name):
            self.scan.doomed = offset
        self.scan.imports.append(Import(module, name, opcode, offset, self.where))
        return Global(module, name)

    # -- the loop
    def run(self) -> PickleScan:
        """Walk to STOP.  The buffer of the stream is read inline: this loop is the scanner's hot path."""
        scan, s, stack, memo = self.scan, self.s, self.stack, self.memo
        first = [-1] * 256  # offset where each opcode byte first occurs
        order: list[int] = []
        ops = 0
        limit = self.budget.ops
        base = self.base
        entry = None
        fend = -1  # where the current FRAME ends (stream position), -1 outside a frame
        next_check = 0
        try:
            while True:
                if ops >= next_check:  # checked now and then: it is the hot loop
                    next_check = ops + 4096
                    if len(stack) > MAX_STACK:
                        raise _Unscannable(f"more than {MAX_STACK} items on the stack")
                    if ops >= limit:
                        raise _Unscannable(f"more than the file's budget of {MAX_OPS} opcode units "
                                           "(pickle_scan.MAX_OPS)")
                buf, b = s.buf, s.bpos
                pos = s.pos
                if fend >= 0 and pos >= fend:
                    if pos > fend:
                        self.frame_mismatch(f"an opcode runs across the end of the FRAME at offset {base + fend}",
                                            base + pos)
                    fend = -1
                if b < len(buf):
                    code = buf[b]
                    s.bpos, s.pos = b + 1, pos + 1
                else:
                    c = s.read(1)
                    if not c:
                        raise PickleSyntaxError("data ends before STOP")
                    code = c[0]
                entry = _TABLE[code]
                if entry is None:
                    raise PickleSyntaxError(f"unknown opcode byte {bytes([code])!r}")
                kind, fixed, op, const = entry
                if kind == _K_CONST:  # NONE, NEWTRUE, NEWFALSE, EMPTY_TUPLE: no argument
                    ops += 1
                    if first[code] < 0:
                        first[code] = base + pos
                        order.append(code)
                    stack.append(const)
                    continue
                if kind == _K_STR:  # BINUNICODE / SHORT_BINUNICODE, read from the buffer when it holds them
                    buf, b = s.buf, s.bpos
                    if b + fixed.size <= len(buf):
                        n = fixed.unpack_from(buf, b)[0]
                        end = b + fixed.size + n
                        if end <= len(buf):
                            ops += 1
                            if first[code] < 0:
                                first[code] = base + pos
                                order.append(code)
                            stack.append(buf[b + fixed.size:end].decode("utf-8", "surrogatepass"))
                            s.bpos, s.pos = end, s.pos + (end - b)
                            continue
                    fixed = None  # the slow path reads it through _read_arg
                if fixed is not None:
                    buf, b = s.buf, s.bpos
                    if b + fixed.size <= len(buf):
                        arg = fixed.unpack_from(buf, b)[0]
                        s.bpos, s.pos = b + fixed.size, s.pos + fixed.size
                    else:
                        arg = _read_arg(op, s)
                elif op.arg is not None:
                    arg = _read_arg(op, s)
                    ops += _SLOW_ARG  # a text line or a length-prefixed read: dearer than an inline op
                else:
                    arg = None
                ops += 1
                if first[code] < 0:
                    first[code] = base + pos
                    order.append(code)
                # The hot opcodes of real checkpoints, handled inline (speed only); a MARK on top
                # of the stack is a fence (see pop), so those cases go to the checked handlers.
                if kind == _K_PUSH:
                    stack.append(arg)
                elif kind == _K_PUT or kind == _K_MEMOIZE:
                    if not stack or stack[-1] is MARK:
                        raise PickleSyntaxError(f"{op.name} with an empty stack (stack underflow)")
                    memo[len(memo) if kind == _K_MEMOIZE else arg] = stack[-1]
                    if len(memo) > MAX_MEMO:
                        raise _Unscannable(f"more than {MAX_MEMO} memo entries")
                elif kind == _K_GET:
                    if arg not in memo:  # CPython: "Memo value not found": the load fails here
                        raise PickleSyntaxError(f"{op.name} {arg} names no memo entry")
                    stack.append(memo[arg])
                elif kind == _K_MARK:
                    stack.append(MARK)
                elif kind == _K_TUPLE1 and stack and stack[-1] is not MARK:
                    stack[-1] = (stack[-1],)
                elif kind == _K_REDUCE and len(stack) >= 2 and type(stack[-2]) is Global and stack[-1] is not MARK:
                    args = stack.pop()
                    stack[-1] = Call(stack[-1], args, opcode="REDUCE")
                    scan.calls += 1
                elif kind == _K_BINPERSID and stack and stack[-1] is not MARK and not self.persid_fails:
                    stack[-1] = UNKNOWN
                    scan.persistent_ids += 1
                elif kind == _K_TUPLE:
                    stack.append(tuple(self.pop_mark()))
                elif kind == _K_FRAME:
                    if self.file_view:
                        s.frame(arg)
                        continue
                    if fend >= 0:
                        self.frame_mismatch(f"a FRAME starts inside the FRAME that ends at offset {base + fend}",
                                            base + pos)
                    fend = s.pos + arg
                elif kind == _K_STOP:
                    self.check_result(base + pos)
                    scan.complete = True
                    break
                else:
                    if fend >= 0 and s.pos > fend and kind == _K_OTHER and op.name in ("GLOBAL", "INST"):
                        self.file_view_import(op.name, arg, pos, fend, base + pos)
                    self.fend = fend
                    self.step(op.name, arg, base + pos)
                    fend = self.fend
                    ops += _SLOW_STEP
        except _Unscannable as exc:
            scan.unscannable = f"at offset {self.base + s.pos}: {exc}"
        except LineTooLong as exc:
            text = f"at offset {self.base + s.pos}: {exc}"
            if _plausible_line(entry[2].name if entry else "", exc.head):
                scan.unscannable = text
            else:  # CPython would reject this argument too
                scan.error = text
        except (PickleSyntaxError, StreamError, ValueError, struct.error, UnicodeDecodeError) as exc:
            scan.error = f"at offset {self.base + s.pos}: {exc}"
        if fend >= 0 and s.pos > fend and not scan.complete:
            # the opcode that failed read past the frame's end: a file loader reads other bytes there
            # (a line it reads afresh after the frame), which may well be a name it imports
            self.frame_mismatch(f"the opcode that fails runs across the end of the FRAME at offset {base + fend}",
                                base + s.pos)
        if fend > s.pos and scan.complete:
            # pickle.load (C) first checks that the whole frame is there; pickle._Unpickler and
            # joblib do not: the loaders disagree on such a file.
            self.frame_mismatch(f"the FRAME goes on {fend - s.pos} bytes past STOP", self.base + s.pos)
        for code in order:
            scan.opcodes.setdefault(_TABLE[code][2].name, first[code])
        scan.ops += ops
        self.budget.ops -= ops
        scan.end = self.base + s.pos
        return scan

    def file_view_import(self, opcode: str, arg: str, pos: int, fend: int, offset: int) -> None:
        """The name the C unpickler reads from a file object without peek (io.BytesIO: torch's data.pkl).

        A read that runs past the buffered FRAME drops the rest of the buffer and reads afresh
        from the file, which is at the frame's end (Modules/_pickle.c, _Unpickler_ReadImpl and
        _Unpickler_Readline): a line that crosses the frame end is, to that loader, only its part
        after the end.  pickle.loads reads it whole, like the rest of this walk.
        """
        module, _, name = arg.partition("\n")
        mb, nb = module.encode(), name.encode()
        m_start = pos + 1
        n_start = m_start + len(mb) + 1
        if m_start < fend <= m_start + len(mb):
            module = mb[fend - m_start:].decode("utf-8", "replace")
        elif n_start < fend <= n_start + len(nb):
            name = nb[fend - n_start:].decode("utf-8", "replace")
        else:
            return
        self.add_import(module, name, f"{opcode} (read by a file loader)", offset)

    def check_result(self, offset: int) -> None:
        """At STOP: a pickler leaves exactly one object, acyclic containers, no exponential sharing."""
        st = self.stack
        if not st or st[-1] is MARK:
            raise PickleSyntaxError("STOP with an empty stack (stack underflow)")
        if len(st) != 1:
            self.problem("malformed-stack", f"{len(st) - 1} more item(s) left on the stack at STOP "
                         f"({sum(x is MARK for x in st)} open MARK(s)): no pickler writes that", offset)
        self.scan.result = st[-1]
        size, cyclic = _expanded_size(st[-1], MAX_EXPANSION)
        if cyclic:
            self.problem("malformed-stack", "the result holds a list/dict/tuple that contains itself", offset)
        elif size > MAX_EXPANSION:
            self.problem("malformed-stack", f"the result expands to more than {MAX_EXPANSION} objects through "
                         "shared references (memo/DUP expansion)", offset)

    def frame_mismatch(self, detail: str, offset: int) -> None:
        """The C unpickler ignores frame boundaries; pickle._Unpickler (joblib) enforces them."""
        self.problem("frame-mismatch", f"{detail}: the loaders read this stream differently", offset)

    def step(self, name: str, arg, offset: int) -> None:
        handler = _HANDLERS.get(name)
        if handler is None:  # the literal pushes: ints, floats, strings, bytes, None, bools
            self.literal(name, arg, offset)
        else:
            handler(self, name, arg, offset)

    # One handler per opcode family; `_HANDLERS` below maps opcode names to them.
    def _proto(self, name, arg, offset):
        if arg > HIGHEST_PROTOCOL:  # anywhere in the stream: what came before it has run
            raise PickleSyntaxError(f"unsupported pickle protocol {arg}")
        if offset != self.scan.start:  # picklers write PROTO first or not at all
            self.problem("malformed-stack", f"PROTO {arg} after the start of the pickle: no pickler writes that",
                         offset)
        self.scan.protocol = arg

    def _nothing(self, name, arg, offset):
        pass

    def _pop(self, name, arg, offset):
        if self.stack and self.stack[-1] is MARK:  # POP on a MARK removes the mark (CPython load_pop)
            self.stack.pop()
        else:
            self.pop()

    def _pop_mark(self, name, arg, offset):
        self.pop_mark()

    def _dup(self, name, arg, offset):
        self.stack.append(self.top())

    def _put(self, name, arg, offset):
        self.memo[arg] = self.top()

    def _memoize(self, name, arg, offset):
        self.memo[len(self.memo)] = self.top()  # CPython: memo[len(memo)], whatever keys PUT used

    def _get(self, name, arg, offset):
        if arg not in self.memo:
            raise PickleSyntaxError(f"{name} {arg} names no memo entry")
        self.stack.append(self.memo[arg])

    def _global(self, name, arg, offset):
        module, _, attr = arg.partition("\n")
        self.stack.append(self.add_import(module, attr, name, offset))

    def _stack_global(self, name, arg, offset):
        attr, module = self.pop(), self.pop()
        if isinstance(module, str) and isinstance(attr, str):
            self.stack.append(self.add_import(module, attr, name, offset))
        else:
            self.problem("unresolved-global", f"STACK_GLOBAL operands are not strings ({module!r}, {attr!r})",
                         offset)
            self.stack.append(UNKNOWN)

    def _ext(self, name, arg, offset):
        self.problem("unresolved-global", f"{name} {arg} imports from the copyreg extension registry", offset)
        self.stack.append(UNKNOWN)

    def _inst(self, name, arg, offset):
        module, _, attr = arg.partition("\n")
        func = self.add_import(module, attr, name, offset)  # pickle._Unpickler imports before it looks for the MARK
        args = self.pop_mark()
        self.stack.append(self.call(func, args, name, offset))

    def _obj(self, name, arg, offset):
        items = self.pop_mark()
        if not items:
            raise PickleSyntaxError("OBJ without a class after the MARK")
        func = items[0]
        self.stack.append(self.call(func, tuple(items[1:]), name, offset))

    def _reduce(self, name, arg, offset):  # REDUCE and NEWOBJ: callable, args
        args, func = self.pop(), self.pop()
        self.stack.append(self.call(func, args, name, offset))

    def _newobj_ex(self, name, arg, offset):
        self.pop()  # kwargs
        args, cls = self.pop(), self.pop()
        self.stack.append(self.call(cls, args, name, offset))

    def _build(self, name, arg, offset):
        self.build(self.pop(), self.top(), offset)

    def _persid(self, name, arg, offset):
        if self.persid_fails and self.scan.doomed is None:
            self.scan.doomed = offset
        if name == "BINPERSID":
            self.pop()
        self.scan.persistent_ids += 1
        self.stack.append(UNKNOWN)

    def _push_new(self, name, arg, offset):
        self.stack.append([] if name == "EMPTY_LIST" else {} if name == "EMPTY_DICT" else
                          () if name == "EMPTY_TUPLE" else _Set() if name == "EMPTY_SET" else UNKNOWN)

    def _from_mark(self, name, arg, offset):  # TUPLE, LIST, DICT, FROZENSET
        items = self.pop_mark()
        if name == "FROZENSET":
            _hashable(items)
        self.stack.append(tuple(items) if name == "TUPLE" else items if name == "LIST" else
                          _pairs(items) if name == "DICT" else UNKNOWN)

    def _tuple_n(self, name, arg, offset):
        n = int(name[-1])
        items = [self.pop() for _ in range(n)][::-1]
        self.stack.append(tuple(items))

    def _append(self, name, arg, offset):
        v = self.pop()
        if isinstance(self.top(), list):
            self.top().append(v)

    def _appends(self, name, arg, offset):  # APPENDS and ADDITEMS
        items = self.pop_mark()
        if isinstance(self.top(), _Set):
            _hashable(items)
        if isinstance(self.top(), list):
            self.top().extend(items)

    def _setitem(self, name, arg, offset):
        v, k = self.pop(), self.pop()
        if isinstance(self.top(), dict):
            _setitem(self.top(), k, v)

    def _setitems(self, name, arg, offset):
        pairs = _pairs(self.pop_mark())
        if isinstance(self.top(), dict):
            self.top().update(pairs)

    def literal(self, name: str, arg, offset: int) -> None:
        if name == "NONE":
            value = None
        elif name in ("NEWTRUE", "NEWFALSE"):
            value = name == "NEWTRUE"
        else:
            value = arg
        if isinstance(value, bytes) and self.depth < NESTED_DEPTH:
            self.nested(value, offset)
        self.stack.append(value)

    def nested(self, data: bytes, offset: int) -> None:
        """A bytes literal that is itself a pickle (nested pickle.loads payloads)."""
        if len(data) < 4 or data[0] != 0x80 or not 2 <= data[1] <= 5:
            return
        import io
        from .streams import FileWindow
        inner = Machine(Stream(FileWindow(io.BytesIO(data), 0)), base=0,
                        where=f"{self.where}bytes@{offset}/", depth=self.depth + 1, budget=self.budget).run()
        self.scan.imports.extend(inner.imports)
        self.scan.problems.extend(inner.problems)

    def call(self, func, args, opcode: str, offset: int):
        self.scan.calls += 1
        if not isinstance(func, Global):
            self.problem("computed-callable", f"{opcode} calls a computed value ({_short(func)}), "
                                              "not an imported callable", offset)
        return Call(func, args, opcode=opcode)

    def build(self, state, obj, offset: int) -> None:
        self.scan.calls += 1
        if isinstance(obj, Global):
            self.problem("build-on-global", f"BUILD changes attributes of the imported {obj.dotted} itself",
                         offset)
        for key in _state_keys(state):
            if isinstance(key, str) and key.startswith("__"):
                self.problem("dunder-state", f"BUILD sets the attribute {key!r}", offset)
        if isinstance(obj, Call):
            obj.state = state
            if self.joblib and isinstance(obj.func, Global) and obj.func.dotted == \
                    "joblib.numpy_pickle.NumpyArrayWrapper":
                self.skip_joblib_array(state, offset, obj)

    def skip_joblib_array(self, state, offset: int, obj: Call | None = None) -> None:
        """joblib writes array bytes right after the wrapper's BUILD (numpy_pickle.py, write_array)."""
        if self.fend == self.s.pos:  # joblib commits the frame before the array: the data is outside
            self.fend = -1
        layout = _joblib_layout(state, obj)
        if layout is None:
            self.problem("array-data", "cannot tell the size of the joblib array data that follows; "
                                       "the rest of the stream is not scanned", offset)
            raise PickleSyntaxError("joblib array of unknown size")
        nbytes, has_object, aligned = layout
        if has_object:  # a nested pickle stream follows, read by a fresh unpickler
            inner = Machine(self.s, base=self.base + self.s.pos, where=f"{self.where}array@{offset}/",
                            joblib=True, depth=self.depth + 1, budget=self.budget).run()
            self.scan.imports.extend(inner.imports)
            self.scan.problems.extend(inner.problems)
            if inner.error:
                raise PickleSyntaxError(f"nested object array pickle: {inner.error}")
            return
        if aligned:
            pad = self.s.read(1)
            if not pad or self.s.skip(pad[0]) != pad[0]:
                raise PickleSyntaxError("joblib array padding runs past the end")
        if self.s.skip(nbytes) != nbytes:
            raise PickleSyntaxError(f"joblib array data ({nbytes} bytes) runs past the end")


_HANDLERS = {
    "PROTO": Machine._proto, "READONLY_BUFFER": Machine._nothing,
    "MARK": lambda m, n, a, o: m.stack.append(MARK), "POP": Machine._pop, "POP_MARK": Machine._pop_mark,
    "DUP": Machine._dup, "PUT": Machine._put, "BINPUT": Machine._put, "LONG_BINPUT": Machine._put,
    "MEMOIZE": Machine._memoize, "GET": Machine._get, "BINGET": Machine._get, "LONG_BINGET": Machine._get,
    "GLOBAL": Machine._global, "STACK_GLOBAL": Machine._stack_global,
    "EXT1": Machine._ext, "EXT2": Machine._ext, "EXT4": Machine._ext,
    "INST": Machine._inst, "OBJ": Machine._obj, "REDUCE": Machine._reduce, "NEWOBJ": Machine._reduce,
    "NEWOBJ_EX": Machine._newobj_ex, "BUILD": Machine._build, "PERSID": Machine._persid,
    "BINPERSID": Machine._persid, "EMPTY_LIST": Machine._push_new, "EMPTY_DICT": Machine._push_new,
    "EMPTY_TUPLE": Machine._push_new, "EMPTY_SET": Machine._push_new, "NEXT_BUFFER": Machine._push_new,
    "TUPLE": Machine._from_mark, "LIST": Machine._from_mark, "DICT": Machine._from_mark,
    "FROZENSET": Machine._from_mark, "TUPLE1": Machine._tuple_n, "TUPLE2": Machine._tuple_n,
    "TUPLE3": Machine._tuple_n, "APPEND": Machine._append, "APPENDS": Machine._appends,
    "ADDITEMS": Machine._appends, "SETITEM": Machine._setitem, "SETITEMS": Machine._setitems,
}


def _pairs(items: list) -> dict:
    out: dict = {}
    for k, v in zip(items[0::2], items[1::2]):
        _setitem(out, k, v)
    return out


def _setitem(d: dict, k, v) -> None:
    try:
        d[k] = v
    except TypeError:  # a list, dict or set as a key: CPython's load fails here too
        raise PickleSyntaxError(f"unhashable dict key ({type(k).__name__})") from None


class _Set(list):
    """A set being built (EMPTY_SET, ADDITEMS); unhashable, as a real set is."""


def _hashable(items) -> None:
    for item in items:
        try:
            hash(item)
        except TypeError:
            raise PickleSyntaxError(f"unhashable set item ({type(item).__name__})") from None


MAX_EXPANSION = 1_000_000  # nodes the result would have if every shared reference were copied


def _expanded_size(root, limit: int) -> tuple[int, bool]:
    """(nodes of `root` with shared references counted each time, has a container cycle), capped at limit.

    What a consumer that copies, compares, prints or serialises the result pays: memo/DUP
    sharing makes it exponential in the pickle's size ("billion laughs")."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (list, tuple, dict)):
            continue
        key = id(node)
        children = list(node.items()) if isinstance(node, dict) else node
        if done:
            on_path.discard(key)
            total = 1
            for child in children:
                parts = child if isinstance(node, dict) else (child,)
                total += sum(sizes.get(id(c), 1) for c in parts)
            sizes[key] = min(total, limit + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            return limit + 1, True
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            for c in (child if isinstance(node, dict) else (child,)):
                if isinstance(c, (list, tuple, dict)) and id(c) not in sizes:
                    stack.append((c, False))
    return sizes.get(id(root), 1), False


def _state_keys(state) -> list:
    """Attribute names a BUILD state sets: a dict, or (dict, slotstate)."""
    keys = []
    parts = state if isinstance(state, tuple) else (state,)
    for part in parts:
        if isinstance(part, dict):
            keys.extend(part.keys())
    return keys


def _short(value) -> str:
    if isinstance(value, Call):
        return f"the result of {_short(value.func)}(…)"
    if isinstance(value, Global):
        return value.dotted
    text = _REPR.repr(value)  # bounded: a DAG of shared tuples (DUP, memo) would repr exponentially
    return text if len(text) < 60 else text[:57] + "..."


def _bounded_repr():
    import reprlib
    r = reprlib.Repr()
    r.maxlevel, r.maxtuple, r.maxlist, r.maxdict, r.maxstring, r.maxother = 2, 4, 4, 4, 40, 40
    return r


_REPR = _bounded_repr()


def _joblib_layout(state, obj: Call | None = None) -> tuple[int, bool, bool] | None:
    """(bytes of array data, dtype has objects, padded) from a NumpyArrayWrapper state; None: unproven."""
    if not isinstance(state, dict):
        return None
    aligned = _init_alignment(obj)
    if "numpy_array_alignment_bytes" in state:  # BUILD updates __dict__ (no __setstate__)
        aligned = state["numpy_array_alignment_bytes"] is not None
    if aligned is None:
        return None
    shape, dtype = state.get("shape"), state.get("dtype")
    if not isinstance(shape, tuple) or not all(isinstance(x, int) and x >= 0 for x in shape):
        return None
    itemsize, has_object = _dtype_layout(dtype)
    if itemsize is None:
        return None
    count = 1
    for x in shape:
        count *= x
    return count * itemsize, has_object, aligned


def _init_alignment(obj: Call | None) -> bool | None:
    """Does the wrapper have numpy_array_alignment_bytes before its BUILD?  joblib reads the pad byte
    when getattr(wrapper, …) is not None, whoever set it: NumpyArrayWrapper.__init__ (called by
    REDUCE, INST, OBJ) sets it, by default to 16; NEWOBJ only calls __new__.  None: cannot tell."""
    if obj is None or obj.opcode not in ("REDUCE", "INST", "OBJ"):
        return False
    if not isinstance(obj.args, tuple):
        return None
    if len(obj.args) < 6:
        return True  # the default, NUMPY_ARRAY_ALIGNMENT_BYTES
    value = obj.args[5]
    return None if value is UNKNOWN else value is not None


def _dtype_layout(dtype) -> tuple[int | None, bool]:
    """(itemsize, has objects) of a pickled numpy.dtype: dtype(code, …) plus its BUILD state.

    The state is numpy's (version, byteorder, subarray, names, fields, elsize,
    alignment, flags, …) (numpy/_core/src/multiarray/descriptor.c,
    arraydescr_reduce and arraydescr_setstate).  numpy applies `elsize` and
    `flags` only to the flexible kinds S, U and V; for the others the size is
    the code's.  Anything else is "unknown", and the caller stops with an
    error rather than guess where joblib's array data ends.
    """
    if not isinstance(dtype, Call) or not isinstance(dtype.args, tuple) or not dtype.args:
        return None, False
    m = _DTYPE_CODE.fullmatch(dtype.args[0]) if isinstance(dtype.args[0], str) else None
    if m is None:
        return None, False
    kind, n = m.group(1), int(m.group(2))
    state = dtype.state if isinstance(dtype.state, tuple) else ()
    if dtype.state is not None and len(state) not in _ELSIZE_AT:
        return None, False  # numpy refuses it, or a state we cannot read: unproven
    flags = state[7] if len(state) > 7 and isinstance(state[7], int) else 0
    has_object = kind == "O" or (kind == "V" and bool(flags & 1))
    at = _ELSIZE_AT.get(len(state), -1)
    elsize = state[at] if at >= 0 and isinstance(state[at], int) and not isinstance(state[at], bool) else -1
    if kind in "SUV" and elsize >= 0:
        return elsize, has_object
    return (n * 4 if kind == "U" else n), has_object


# Where arraydescr_setstate reads elsize, by the state's length: (version, byteorder, subarray,
# [names,] fields, elsize, alignment[, flags[, metadata]]); 5 items have no version, 6 no names.
_ELSIZE_AT = {9: 5, 8: 5, 7: 5, 6: 4, 5: 3}
_DTYPE_CODE = re.compile(r"([biufcmMOSUV])(\d{1,6})")


def scan_pickle(stream: Stream, *, base: int = 0, where: str = "", joblib: bool = False,
                budget: Budget | None = None, persid_fails: bool = False, torch: bool = False,
                file_view: bool = False) -> PickleScan:
    """Walk one pickle from the stream's position to its STOP (or to the error)."""
    return Machine(stream, base=base, where=where, joblib=joblib, budget=budget, persid_fails=persid_fails,
                   torch=torch, file_view=file_view).run()


def scan_bytes(data: bytes, *, joblib: bool = False) -> PickleScan:
    import io
    from .streams import FileWindow
    return scan_pickle(Stream(FileWindow(io.BytesIO(data), 0)), joblib=joblib)

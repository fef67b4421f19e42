"""The C API as declared by include/tracekit.h and by each binding.

Every declaration is reduced to ABI kinds, so that declarations in different
languages compare: "void", "string" (a char pointer the binding converts),
"pointer", "callback", "i32", "i64", "u64", "f64". A binding is a BINDINGS
entry: how to read its declarations, and whether it must bind the whole API.
"""
import ctypes
import json
import os
import pathlib
import re
import subprocess
import sys
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADER = ROOT / "include" / "tracekit.h"


@dataclass(frozen=True)
class Function:
    returns: str
    # None: the binding is compiled against tracekit.h (cgo, a C addon), so
    # the compiler checks the signature; only the name is checked here.
    params: tuple
    # A returned `char *` the caller must tk_free: a binding must keep the
    # pointer (a converting "string" return would leak it).
    returns_owned_string: bool = False


@dataclass
class Declarations:
    functions: dict = field(default_factory=dict)  # name -> Function
    statuses: dict = field(default_factory=dict)  # TK_* name -> value, when the binding declares them


# --- C declarations (the header, and bindings that embed C such as PHP FFI) ---

C_KINDS = {
    "void": "void", "int": "i32", "int32_t": "i32", "tk_status": "i32", "unsigned": "u32",
    "uint32_t": "u32", "int64_t": "i64", "long long": "i64", "long": "i64", "size_t": "u64",
    "uint64_t": "u64", "double": "f64", "tk_log_fn": "callback",
}
C_DECLARATION = re.compile(r"([A-Za-z_][\w\s\*]*?)\b(tk_\w+)\s*\(([^()]*)\)\s*;")


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def c_kind(c_type):
    """ABI kind of a C type written without a parameter name."""
    c_type = " ".join(c_type.replace("*", " * ").split())
    if c_type.endswith("*"):
        base = c_type.rstrip("* ").replace("const ", "").strip()
        return "string" if base == "char" and c_type.count("*") == 1 else "pointer"
    base = c_type.replace("const ", "").strip()
    if base not in C_KINDS:
        raise ValueError(f"unknown C type {c_type!r}: add it to C_KINDS")
    return C_KINDS[base]


C_TYPE_WORDS = set(C_KINDS) | {"char", "const", "signed", "unsigned"}


def c_param_type(param):
    """`const char *api_key` -> `const char *`; `tk_options *` -> itself."""
    words = " ".join(param.replace("*", " * ").split()).split(" ")
    last = words[-1]
    if len(words) > 1 and re.fullmatch(r"[A-Za-z_]\w*", last) and last not in C_TYPE_WORDS \
            and not last.endswith("_t"):
        words = words[:-1]  # the parameter's name
    return " ".join(words)


def parse_c_functions(text):
    """tk_* function declarations in C text (comments and preprocessor lines ignored)."""
    text = strip_c_comments(text).replace("\\\n", " ")  # macros continued over lines
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    functions = {}
    for match in C_DECLARATION.finditer(text):
        returns, name, params = match.group(1), match.group(2), match.group(3)
        if "typedef" in returns:
            continue
        param_list = [p.strip() for p in params.split(",") if p.strip()]
        if param_list == ["void"]:
            param_list = []
        return_type = " ".join(returns.replace("*", " * ").split())
        functions[name] = Function(
            returns=c_kind(return_type),
            params=tuple(c_kind(c_param_type(p)) for p in param_list),
            returns_owned_string=return_type.replace(" ", "") == "char*")
    return functions


def parse_c_enum(text, enum_name):
    """{member: value} of `typedef enum { ... } enum_name;`."""
    match = re.search(r"typedef\s+enum\s*\{(.*?)\}\s*" + re.escape(enum_name) + r"\s*;", strip_c_comments(text), re.S)
    if not match:
        raise ValueError(f"no `typedef enum {{...}} {enum_name};` in the header")
    values, next_value = {}, 0
    for member in (m.strip() for m in match.group(1).split(",")):
        if not member:
            continue
        name, _, value = (part.strip() for part in member.partition("="))
        next_value = int(value, 0) if value else next_value
        values[name] = next_value
        next_value += 1
    return values


def header_declarations():
    text = HEADER.read_text()
    return Declarations(functions=parse_c_functions(text), statuses=parse_c_enum(text, "tk_status"))


def exported_functions(library_path):
    """Names of the tk_* functions the shared object defines (nm -D --defined-only),
    without their version node (`tk_version@@TRACEKIT_0.1`)."""
    listing = subprocess.run(["nm", "-D", "--defined-only", library_path], check=True,
                             capture_output=True, text=True).stdout
    return {fields[2].split("@")[0] for fields in (line.split() for line in listing.splitlines())
            if len(fields) == 3 and fields[1] == "T" and fields[2].startswith("tk_")}


# --- Python (ctypes): introspected from the loaded binding ---

def ctypes_kind(ctype):
    if ctype is None:
        return "void"
    if ctype is ctypes.c_char_p:
        return "string"
    if isinstance(ctype, type) and issubclass(ctype, ctypes._CFuncPtr):
        return "callback"
    if ctype is ctypes.c_void_p or (isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer)):
        return "pointer"
    if ctype is ctypes.c_double:
        return "f64"
    code = getattr(ctype, "_type_", None)
    if isinstance(code, str) and code in "bBhHiIlLqQ":
        return ("u" if code.isupper() else "i") + str(8 * ctypes.sizeof(ctype))
    raise ValueError(f"unknown ctypes type {ctype!r}")


def python_declarations():
    sys.path.insert(0, str(ROOT / "bindings" / "python"))
    try:
        from tracekit_native import _lib
    finally:
        sys.path.pop(0)
    library = _lib.load()
    functions = {}
    for name, function in vars(library).items():
        if name.startswith("tk_"):
            functions[name] = Function(returns=ctypes_kind(function.restype),
                                       params=tuple(ctypes_kind(t) for t in function.argtypes or ()))
    statuses = {name: value for name, value in vars(_lib).items()
                if re.fullmatch(r"TK_(OK|ERR_\w+)", name) and isinstance(value, int)}
    return Declarations(functions=functions, statuses=statuses)


# --- Ruby (ffi gem): attach_function recorded while the binding loads ---

FFI_KINDS = {
    "void": "void", "int": "i32", "int32": "i32", "uint32": "u32", "int64": "i64", "long_long": "i64",
    "long": "i64", "uint64": "u64", "size_t": "u64", "ulong": "u64", "double": "f64", "string": "string",
    "pointer": "pointer", "buffer_in": "pointer", "buffer_out": "pointer", "buffer_inout": "pointer",
}

RUBY_RECORDER = r"""
require "json"
require "ffi"
$tk_declared = {}
$tk_callbacks = []
module FFI::Library
  alias_method :__tk_attach_function, :attach_function
  alias_method :__tk_callback, :callback
  def attach_function(name, *rest)
    c_name = rest.first.is_a?(Array) ? name : rest.shift
    $tk_declared[c_name.to_s] = { "params" => rest[0].map(&:to_s), "returns" => rest[1].to_s }
    __tk_attach_function(name, c_name, *rest)
  end
  def callback(name, *rest)
    $tk_callbacks << name.to_s
    __tk_callback(name, *rest)
  end
end
require "tracekit_native"
puts JSON.generate("functions" => $tk_declared, "callbacks" => $tk_callbacks,
                   "statuses" => TracekitNative::STATUS_NAMES.map(&:to_s))
"""


def ruby_declarations():
    result = subprocess.run(["ruby", "-I", str(ROOT / "bindings/ruby/lib"), "-e", RUBY_RECORDER],
                            capture_output=True, text=True, env=os.environ)
    if result.returncode != 0:
        raise RuntimeError(f"loading the Ruby binding failed:\n{result.stderr}")
    data = json.loads(result.stdout.splitlines()[-1])
    kinds = dict(FFI_KINDS, **{name: "callback" for name in data["callbacks"]})

    def kind(ffi_type):
        if ffi_type not in kinds:
            raise ValueError(f"unknown FFI type :{ffi_type}: add it to FFI_KINDS")
        return kinds[ffi_type]

    functions = {name: Function(returns=kind(d["returns"]), params=tuple(kind(t) for t in d["params"]))
                 for name, d in data["functions"].items()}
    # STATUS_NAMES lists the symbols in code order: :ok, :invalid_argument, ...
    statuses = {("TK_OK" if symbol == "ok" else "TK_ERR_" + symbol.upper()): code
                for code, symbol in enumerate(data["statuses"])}
    return Declarations(functions=functions, statuses=statuses)


# --- PHP (FFI::cdef): the C declarations embedded in the binding ---

def php_declarations():
    source = (ROOT / "bindings/php/src/Native/Library.php").read_text()
    match = re.search(r"DECLARATIONS\s*=\s*<<<'C'\n(.*?)\n\s*C;", source, re.S)
    if not match:
        raise ValueError("no DECLARATIONS heredoc in bindings/php/src/Native/Library.php")
    return Declarations(functions=parse_c_functions(match.group(1)))


# --- Java (JNA direct mapping): `public static native` methods ---

JAVA_KINDS = {"void": "void", "int": "i32", "long": "i64", "double": "f64", "Pointer": "pointer",
              "byte[]": "pointer", "String": "string", "Callback": "callback"}


def java_declarations():
    functions = {}
    for path in sorted((ROOT / "bindings/java/src").rglob("*.java")):
        for match in re.finditer(r"\bnative\s+([\w\[\]]+)\s+(tk_\w+)\s*\(([^)]*)\)", path.read_text()):
            returns, name, params = match.groups()
            types = [" ".join(p.split()[:-1]) for p in params.split(",") if p.strip()]
            unknown = [t for t in [returns, *types] if t not in JAVA_KINDS]
            if unknown:
                raise ValueError(f"{path.name}: {name}: unknown Java types {unknown}: add them to JAVA_KINDS")
            functions[name] = Function(JAVA_KINDS[returns], tuple(JAVA_KINDS[t] for t in types))
    return Declarations(functions=functions)


# --- bindings compiled against tracekit.h (Go cgo, Node's C addon): names used ---

def header_type_names():
    """tk_options, tk_status, tk_log_fn, ...: names a binding uses that are not functions."""
    text = strip_c_comments(HEADER.read_text())
    return set(re.findall(r"typedef[^;]*?\b(tk_\w+)\s*;", text, re.S)) | set(re.findall(r"\(\*(tk_\w+)\)", text))


def called_names(folder, suffixes, pattern):
    names = set()
    for path in (ROOT / folder).rglob("*"):
        if path.suffix in suffixes and path.is_file() and "node_modules" not in path.parts:
            names |= set(re.findall(pattern, path.read_text(errors="replace")))
    names -= header_type_names()
    return Declarations(functions={name: Function(returns=None, params=None) for name in names})


def go_declarations():
    return called_names("bindings/go", {".go"}, r"\bC\.(tk_[a-z_]+)\b")


def node_declarations():
    return called_names("bindings/node/src", {".c", ".h", ".cc"}, r"\b(tk_[a-z_]+)\s*\(")


@dataclass(frozen=True)
class Binding:
    name: str
    path: str  # the binding's folder: the entry applies once it exists
    read: object  # () -> Declarations
    # A complete binding must declare every header function except `unbound`.
    complete: bool
    unbound: frozenset = frozenset()


# tk_site_active_cell is for languages that cannot call C cheaply (tracekit.h):
# Python calls tk_site_active, Ruby reads the flag a tk_site * points at.
CALLS_SITE_ACTIVE = frozenset({"tk_site_active_cell"})

BINDINGS = [
    Binding("Python (ctypes)", "bindings/python", python_declarations, complete=True, unbound=CALLS_SITE_ACTIVE),
    Binding("Ruby (FFI)", "bindings/ruby", ruby_declarations, complete=True, unbound=CALLS_SITE_ACTIVE),
    # These declare or use the subset of the header they need.
    Binding("PHP (FFI::cdef)", "bindings/php/src/Native/Library.php", php_declarations, complete=False),
    Binding("Java (JNA)", "bindings/java/src", java_declarations, complete=False),
    Binding("Go (cgo)", "bindings/go", go_declarations, complete=False),
    Binding("Node.js (C addon)", "bindings/node/src", node_declarations, complete=False),
]


def compare(binding, declared, header, exported):
    """Problems of one binding's declarations against the header and the .so."""
    problems = []
    for name, function in sorted(declared.functions.items()):
        expected = header.functions.get(name)
        if expected is None:
            problems.append(f"{name}: not in tracekit.h")
            continue
        if name not in exported:
            problems.append(f"{name}: not exported by the library")
        if function.params is None:
            continue  # checked by the compiler
        if len(function.params) != len(expected.params):
            problems.append(f"{name}: {len(function.params)} arguments, tracekit.h has {len(expected.params)}")
        else:
            for index, (got, want) in enumerate(zip(function.params, expected.params)):
                if not compatible(got, want):
                    problems.append(f"{name}: argument {index + 1} is {got}, tracekit.h has {want}")
        if expected.returns_owned_string and function.returns == "string" and not function.returns_owned_string:
            problems.append(f"{name}: returns a char * the caller must tk_free; declared as a converted string it leaks")
        elif not compatible(function.returns, expected.returns):
            problems.append(f"{name}: returns {function.returns}, tracekit.h has {expected.returns}")
    if binding.complete:
        for name in sorted(set(header.functions) - set(declared.functions) - binding.unbound):
            problems.append(f"{name}: in tracekit.h but not declared")
    if declared.statuses:
        for name, value in sorted(header.statuses.items(), key=lambda item: item[1]):
            if name not in declared.statuses:
                problems.append(f"{name} (= {value}): in tracekit.h but not declared")
            elif declared.statuses[name] != value:
                problems.append(f"{name}: {declared.statuses[name]}, tracekit.h has {value}")
        for name in sorted(set(declared.statuses) - set(header.statuses)):
            problems.append(f"{name}: not in tracekit.h's tk_status")
    return problems


def compatible(binding_kind, header_kind):
    """Same ABI class. A char * may be passed as a pointer (bytes), not the
    reverse; a size_t as a signed 64-bit integer (Java has no unsigned)."""
    if binding_kind == header_kind:
        return True
    if {binding_kind, header_kind} == {"i64", "u64"}:
        return True
    return header_kind in ("string", "callback") and binding_kind == "pointer"

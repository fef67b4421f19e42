"""include/tracekit.h is the one source of truth of the C API.

Each binding's declarations (see c_api.BINDINGS) must name functions the
header declares and the library exports, with the header's argument count
and ABI kinds, and its tk_status values; a complete binding must declare
every function. The library is TRACEKIT_LIBRARY (scripts/test.sh sets it).
"""
import os

import pytest

import c_api
from c_api import Declarations, Function


@pytest.fixture(scope="module")
def header():
    return c_api.header_declarations()


@pytest.fixture(scope="module")
def exported():
    library = os.environ.get("TRACEKIT_LIBRARY")
    if not library or not os.path.exists(library):
        pytest.fail(f"TRACEKIT_LIBRARY must name the installed libtracekit.so.0 (got {library!r})", pytrace=False)
    return c_api.exported_functions(library)


def test_the_header_parses_into_functions_and_statuses(header):
    assert len(header.functions) >= 30
    assert header.functions["tk_capture"] == Function(
        "i32", ("pointer", "string", "string", "i32", "string", "string", "u64", "string"))
    assert header.functions["tk_client_stats"].returns_owned_string
    assert not header.functions["tk_version"].returns_owned_string
    assert header.statuses["TK_OK"] == 0
    assert sorted(header.statuses.values()) == list(range(len(header.statuses)))


def test_the_library_exports_exactly_the_header_functions(header, exported):
    assert sorted(set(header.functions) - exported) == [], "declared in tracekit.h, not exported"
    assert sorted(exported - set(header.functions)) == [], "exported, not declared in tracekit.h"


PRESENT = [binding for binding in c_api.BINDINGS if (c_api.ROOT / binding.path).exists()]


@pytest.mark.parametrize("binding", PRESENT, ids=[binding.name for binding in PRESENT])
def test_binding_declarations_match_the_header(binding, header, exported):
    declared = binding.read()
    assert declared.functions, f"{binding.name}: no tk_* declarations found"
    problems = c_api.compare(binding, declared, header, exported)
    assert not problems, f"{binding.name}:\n  " + "\n  ".join(problems)


# --- the checker itself flags what it is for ---

SAMPLE_HEADER = """
#define TK_CAPTURE(c, l) \\
  tk_capture((c), (l), __FILE__)
typedef enum { TK_OK = 0, TK_ERR_A, TK_ERR_B = 5, TK_ERR_C } tk_status;
typedef void (*tk_log_fn)(int level, const char *message, void *userdata);
/* returns a string the caller frees */
char *tk_stats(tk_client *client);
tk_status tk_capture(tk_client *, const char *label, size_t len);
const char *tk_version(void);
tk_status tk_set_logger(tk_options *options, tk_log_fn fn, void *userdata);
"""


def sample():
    return Declarations(functions=c_api.parse_c_functions(SAMPLE_HEADER),
                        statuses=c_api.parse_c_enum(SAMPLE_HEADER, "tk_status"))


def test_parser_reads_declarations_but_not_macros_or_typedefs():
    parsed = sample()
    assert parsed.functions == {
        "tk_stats": Function("string", ("pointer",), returns_owned_string=True),
        "tk_capture": Function("i32", ("pointer", "string", "u64")),
        "tk_version": Function("string", ()),
        "tk_set_logger": Function("i32", ("pointer", "callback", "pointer")),
    }
    assert parsed.statuses == {"TK_OK": 0, "TK_ERR_A": 1, "TK_ERR_B": 5, "TK_ERR_C": 6}


def problems_of(functions, statuses=None, complete=True):
    binding = c_api.Binding("sample", ".", lambda: None, complete=complete)
    exported = {"tk_stats", "tk_capture", "tk_version", "tk_set_logger"}
    return c_api.compare(binding, Declarations(functions, statuses or {}), sample(), exported)


def correct_functions():
    return {
        "tk_stats": Function("pointer", ("pointer",)),
        "tk_capture": Function("i32", ("pointer", "pointer", "u64")),  # bytes for a char * is fine
        "tk_version": Function("string", ()),
        "tk_set_logger": Function("i32", ("pointer", "callback", "pointer")),
    }


def test_compare_accepts_a_matching_binding():
    assert problems_of(correct_functions(), {"TK_OK": 0, "TK_ERR_A": 1, "TK_ERR_B": 5, "TK_ERR_C": 6}) == []


@pytest.mark.parametrize("change, problem", [
    (lambda f: f.pop("tk_version"), "tk_version: in tracekit.h but not declared"),
    (lambda f: f.update(tk_shutdown=Function("i32", ("pointer",))), "tk_shutdown: not in tracekit.h"),
    (lambda f: f.update(tk_capture=Function("i32", ("pointer", "string"))), "tk_capture: 2 arguments, tracekit.h has 3"),
    (lambda f: f.update(tk_capture=Function("i32", ("pointer", "string", "i32"))),
     "tk_capture: argument 3 is i32, tracekit.h has u64"),
    (lambda f: f.update(tk_version=Function("pointer", ())), None),  # a static string read by hand is fine
    (lambda f: f.update(tk_stats=Function("string", ("pointer",))),
     "tk_stats: returns a char * the caller must tk_free; declared as a converted string it leaks"),
    (lambda f: f.update(tk_set_logger=Function("void", ("pointer", "callback", "pointer"))),
     "tk_set_logger: returns void, tracekit.h has i32"),
])
def test_compare_flags_each_mismatch(change, problem):
    functions = correct_functions()
    change(functions)
    assert problems_of(functions) == ([problem] if problem else [])


def test_compare_flags_status_values_missing_wrong_or_unknown():
    assert problems_of(correct_functions(), {"TK_OK": 0, "TK_ERR_A": 2, "TK_ERR_B": 5, "TK_ERR_Z": 7}) == [
        "TK_ERR_A: 2, tracekit.h has 1",
        "TK_ERR_C (= 6): in tracekit.h but not declared",
        "TK_ERR_Z: not in tracekit.h's tk_status",
    ]


def test_a_partial_binding_may_leave_functions_out_but_not_misdeclare_them():
    assert problems_of({"tk_version": Function("string", ())}, complete=False) == []
    assert problems_of({"tk_version": Function("string", ("i32",))}, complete=False) == [
        "tk_version: 1 arguments, tracekit.h has 0"]


def test_a_function_the_library_does_not_export_is_flagged():
    binding = c_api.Binding("sample", ".", lambda: None, complete=False)
    problems = c_api.compare(binding, Declarations({"tk_version": Function("string", ())}), sample(), set())
    assert problems == ["tk_version: not exported by the library"]


def test_a_binding_compiled_against_the_header_is_checked_by_name_only():
    used = {"tk_capture": Function(None, None), "tk_site_active_cell": Function(None, None)}
    assert problems_of(used, complete=False) == [
        "tk_site_active_cell: not in tracekit.h"]


def test_a_size_t_may_be_a_signed_64_bit_integer_but_not_32_bits():
    functions = correct_functions()
    functions["tk_capture"] = Function("i32", ("pointer", "string", "i64"))
    assert problems_of(functions) == []
    functions["tk_capture"] = Function("i32", ("pointer", "string", "i32"))
    assert problems_of(functions) == ["tk_capture: argument 3 is i32, tracekit.h has u64"]

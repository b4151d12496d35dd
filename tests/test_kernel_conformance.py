"""The standard conformance suite from jupyter_kernel_test, with every attribute it supports."""

from __future__ import annotations

import unittest

import jupyter_kernel_test

from conftest import KERNEL_NAME, WARM_UP_TIMEOUT

RECORD = "\\u{1e}rhpc\\u{1e}"


class RhpcKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "rust"
    file_extension = ".rs"

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # A new session's first cell waits for rhpc's build (minutes when the build cache is
        # cold, with live progress displays); the suite's cells expect a ready session.
        cls.kc.execute_interactive("1", timeout=WARM_UP_TIMEOUT, output_hook=lambda _: None)

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("something went wrong");'

    completion_samples = [
        {"text": "let zz_counter = 1u64;\nzz_cou", "matches": {"zz_counter"}},
        {"text": "std::collections::BTreeM", "matches": {"BTreeMap"}},
    ]

    complete_code_samples = [
        "1 + 1",
        "let x = 5;",
        "fn answer() -> i32 { 42 }",
        'println!("{}", "(");',
        ":dep rand",
    ]
    incomplete_code_samples = [
        "fn f() {",
        "let v = vec![1, 2,",
        'let s = "unterminated',
        "let total = 1 +",
    ]
    invalid_code_samples = ["}", "let t = (1, 2];", "fn g() { ) }"]

    code_generate_error = 'panic!("this cell fails")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"hi".to_string()', "result": '"hi"'},
        {"code": "vec![1, 2, 3]", "result": "[1, 2, 3]"},
        {
            # evcxr's rich-output convention: a value with an `evcxr_display` method.
            "code": (
                "struct Bold(&'static str);\n"
                "impl Bold { fn evcxr_display(&self) {\n"
                '    println!("EVCXR_BEGIN_CONTENT text/html\\n<b>{}</b>\\nEVCXR_END_CONTENT", self.0);\n'
                "} }\n"
                'Bold("rich")'
            ),
            "mime": "text/html",
            "result": "<b>rich</b>",
        },
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Vec::with_capacity"
    code_page_something = "?Vec::with_capacity"

    # Raw display records, as any crate (rhpc's display module among them) emits them.
    code_display_data = [
        {
            "code": f'println!("{RECORD}{{{{\\"op\\":\\"display\\",\\"data\\":{{{{\\"text/html\\":\\"<i>shown</i>\\"}}}}}}}}");',
            "mime": "text/html",
        }
    ]
    code_clear_output = f'println!("{RECORD}{{{{\\"op\\":\\"clear\\",\\"wait\\":false}}}}");'


class RhpcIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    kernel_name = KERNEL_NAME
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()

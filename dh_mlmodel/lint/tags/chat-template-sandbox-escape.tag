Tag: chat-template-sandbox-escape
Severity: error
Check: mlmodel/risk
See-Also: https://jinja.palletsprojects.com/en/stable/sandbox/
Explanation:
 A chat template (Jinja) reaches Python internals (attributes with
 underscores, frames, globals): a way out of the sandbox that transformers
 and llama.cpp render templates in.
 .
 To fix: Remove or fix the template; report it upstream. Never override this.

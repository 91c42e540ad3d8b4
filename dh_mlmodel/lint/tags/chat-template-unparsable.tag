Tag: chat-template-unparsable
Severity: warning
Check: mlmodel/risk
See-Also: https://jinja.palletsprojects.com/en/stable/templates/
Explanation:
 A chat template is not valid Jinja, so tools that render it will fail.
 .
 To fix: Fix the template or take upstream's corrected version.

Tag: mlmodel-license-not-dfsg-free
Severity: error
Check: mlmodel/policy
See-Also: https://www.debian.org/social_contract#guidelines
Explanation:
 The model's licence is not DFSG-free (non-commercial, no-derivatives, use
 restrictions...) but the package is in main or contrib, which only hold
 DFSG-free works.
 .
 To fix: Move the package to non-free, or find the model under a free
 licence.

Tag: mlmodel-license-unclear
Severity: warning
Check: mlmodel/policy
See-Also: https://wiki.debian.org/DFSGLicenses
Explanation:
 The model's licence has not been reviewed for DFSG freeness (or none is
 named), yet the package is in main or contrib.
 .
 To fix: Check the licence text, declare the exact SPDX id in
 debian/mlmodel.yaml, and ask debian-legal when in doubt.

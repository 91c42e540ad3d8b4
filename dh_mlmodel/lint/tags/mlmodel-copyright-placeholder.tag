Tag: mlmodel-copyright-placeholder
Severity: error
Check: mlmodel/copyright
See-Also: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/, docs/walkthrough.md
Explanation:
 The copyright file still holds a placeholder where a licence or a copyright
 holder belongs: a License: or Copyright: field with TODO in it (as
 `mlmodel init` writes before the licence is known), a licence text that is a
 TODO, or a licence named unknown, NOASSERTION or other. The note names the
 field. Lintian sees at most an undefined licence name
 (license-problem-undefined-license); the archive needs the actual terms.
 dh_mlmodel stops the build on the same finding.
 .
 To fix: Declare license: and copyright: in debian/mlmodel.yaml and run
 `mlmodel copyright --update`, which replaces the paragraphs it wrote; edit a
 paragraph you wrote yourself by hand.

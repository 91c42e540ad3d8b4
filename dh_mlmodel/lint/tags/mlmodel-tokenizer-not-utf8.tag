Tag: mlmodel-tokenizer-not-utf8
Severity: warning
Check: mlmodel/files
See-Also: https://huggingface.co/docs/tokenizers
Explanation:
 A tokenizer text file (vocab.txt, merges.txt, tokenizer.json...) is not
 valid UTF-8; tokenizer libraries read these as UTF-8 and fail or mis-
 tokenize.
 .
 To fix: Re-encode the file to UTF-8 (iconv) and check the tokens survive.

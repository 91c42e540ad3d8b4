"""Run by tests/integration/test_hub_load.py as an unprivileged user: load one model by Hub id and by path.

argv: MODE HUB_ID SOURCE_DIR SENTENCE.  MODE is sentence-transformers, transformers or snapshot.
Prints one JSON object: the embedding (or tensor sum) by Hub id, the same by path, and the files
huggingface_hub resolved, so the test compares them.
"""
import json
import sys


def sentence_transformers(hub_id, source, sentence):
    from sentence_transformers import SentenceTransformer

    by_id = SentenceTransformer(hub_id, device="cpu").encode([sentence])[0]
    by_path = SentenceTransformer(source, device="cpu").encode([sentence])[0]
    return {"by_id": by_id.tolist(), "by_path": by_path.tolist()}


def transformers(hub_id, source, sentence):
    import torch
    from transformers import AutoModel, AutoTokenizer

    def hidden(name):
        tok = AutoTokenizer.from_pretrained(name)
        model = AutoModel.from_pretrained(name)
        with torch.no_grad():
            return model(**tok([sentence], return_tensors="pt")).last_hidden_state[0].flatten().tolist()

    return {"by_id": hidden(hub_id), "by_path": hidden(source)}


def snapshot(hub_id, source, sentence):
    import os

    from huggingface_hub import hf_hub_download, snapshot_download

    folder = snapshot_download(hub_id, local_files_only=True)
    names = sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)
    config = hf_hub_download(hub_id, "config.json")
    return {"folder": folder, "files": names, "config": os.path.realpath(config)}


if __name__ == "__main__":
    mode, hub_id, source, sentence = sys.argv[1:5]
    fn = {"sentence-transformers": sentence_transformers, "transformers": transformers, "snapshot": snapshot}[mode]
    print(json.dumps(fn(hub_id, source, sentence)))

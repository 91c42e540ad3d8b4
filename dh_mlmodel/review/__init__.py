"""The review of a source package's models (`mlmodel report`): facts, lineage graph, renderers.

facts.collect runs the pipeline once; render turns the Review into the HTML page, Markdown or
README.source prose; readme_source merges that prose into debian/README.source.
"""

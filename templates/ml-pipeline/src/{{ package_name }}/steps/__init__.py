"""The pipeline's steps: one module each, a plain typed function plus a `run(ctx)` adapter that
reads the step's inputs from disk, calls the function and writes its outputs."""

"""Run machinery: runner, batch, the run store, tracing, output paths and run reports."""

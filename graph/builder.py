"""The LangGraph state machine of ARCHITECTURE.md ("The graph"), read top to bottom like its diagram."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from mlsd.graph.collect import after_collect, collect
from mlsd.graph.context import RunContext
from mlsd.graph.finish import assemble, save
from mlsd.graph.nodes import fan_out, plan, prepare, write_section
from mlsd.graph.review import after_critique, critique
from mlsd.graph.state import DocState


def build_graph(checkpointer=None, context_schema: type[RunContext] = RunContext):
    """Compile the document graph; pass a checkpointer to make runs resumable."""
    builder = StateGraph(DocState, context_schema=context_schema)
    # prepare: validate, time plan and budgets in code (no LLM).
    builder.add_node("prepare", prepare)
    # plan: framing, fact sheet and key points (one structured LLM call).
    builder.add_node("plan", plan)
    # write_section: one branch per section via Send, all in parallel.
    builder.add_node("write_section", write_section)
    # collect: join the writers; re-send a failed section once, else fail (resumable).
    builder.add_node("collect", collect)
    # critique: deterministic checks, then one LLM review of the whole draft.
    builder.add_node("critique", critique)
    # assemble: headings, front matter, time table, diagram (no LLM).
    builder.add_node("assemble", assemble)
    # save: atomic write under out_dir.
    builder.add_node("save", save)

    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "plan")
    builder.add_conditional_edges("plan", fan_out, ["write_section"])
    builder.add_edge("write_section", "collect")
    builder.add_conditional_edges("collect", after_collect, ["write_section", "critique"])
    builder.add_conditional_edges("critique", after_critique, ["write_section", "assemble"])
    builder.add_edge("assemble", "save")
    builder.add_edge("save", END)
    return builder.compile(checkpointer=checkpointer, name="mlsd")

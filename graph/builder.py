"""The LangGraph state machine of ARCHITECTURE.md ("The graph"), read top to bottom like its diagram."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from mlsd.graph.check_plan import check_plan
from mlsd.graph.collect import after_collect, collect
from mlsd.graph.context import RunContext
from mlsd.graph.finish import assemble, save
from mlsd.graph.nodes import archetype, plan, prepare, write_section
from mlsd.graph.review import after_critique, critique
from mlsd.graph.review_plan import after_review, review_plan
from mlsd.graph.state import DocState
from mlsd.graph.verify import verify


def build_graph(checkpointer=None, context_schema: type[RunContext] = RunContext):
    """Compile the document graph; pass a checkpointer to make runs resumable."""
    builder = StateGraph(DocState, context_schema=context_schema)
    # prepare: validate, time plan and budgets in code (no LLM).
    builder.add_node("prepare", prepare)
    # archetype: which kind of ML problem this is (forced, or one short structured LLM call).
    builder.add_node("archetype", archetype)
    # plan: framing, fact sheet and key points in the archetype's vocabulary (one structured call).
    builder.add_node("plan", plan)
    # check_plan: verify the fact sheet and derivations; with findings, the planner corrects the plan.
    builder.add_node("check_plan", check_plan)
    # review_plan: with --review-plan, pause (interrupt) for the user to accept, edit or comment on
    # the plan; otherwise a pass-through, so the graph has one shape for the CLI and Studio.
    builder.add_node("review_plan", review_plan)
    # write_section: one branch per section via Send, all in parallel.
    builder.add_node("write_section", write_section)
    # collect: join the writers; re-send a failed section once, else fail (resumable).
    builder.add_node("collect", collect)
    # verify_section: one verifier per section of this round via Send, all in parallel.
    builder.add_node("verify_section", verify)
    # critique: deterministic checks, the verifiers' findings, then one LLM review of the draft.
    builder.add_node("critique", critique)
    # assemble: headings, front matter, time table, diagram (no LLM).
    builder.add_node("assemble", assemble)
    # save: atomic write under out_dir.
    builder.add_node("save", save)

    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "archetype")
    builder.add_edge("archetype", "plan")
    builder.add_edge("plan", "check_plan")
    builder.add_edge("check_plan", "review_plan")
    builder.add_conditional_edges("review_plan", after_review, ["write_section", "review_plan"])
    builder.add_edge("write_section", "collect")
    builder.add_conditional_edges("collect", after_collect, ["write_section", "verify_section", "critique"])
    builder.add_edge("verify_section", "critique")
    builder.add_conditional_edges("critique", after_critique, ["write_section", "assemble"])
    builder.add_edge("assemble", "save")
    builder.add_edge("save", END)
    return builder.compile(checkpointer=checkpointer, name="mlsd")

"""G9_citation_accuracy: bound citations of known methods are judged; everything else is not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mlsd.evals.citations import (
    CitationFinding,
    References,
    check_citations,
    count_verified,
    load_references,
)


def _wrong(text: str) -> list[CitationFinding]:
    return check_citations(text)[0]


def _unverified(text: str) -> list[str]:
    return check_citations(text)[1]


# ---------------------------------------------------------------- the table


def test_the_table_loads_once_and_covers_the_classics_of_every_archetype():
    refs = load_references()
    assert load_references() is refs
    names = {spelling for work in refs.works for spelling in work.spellings}
    classics = """Wide & Deep, YouTube DNN, DLRM, DCN, DCN-V2, DeepFM, DIN, MMoE, PLE, SASRec, BERT4Rec,
        PinSage, BM25, LambdaMART, ColBERT, DPR, HNSW, FAISS, ScaNN, XGBoost, LightGBM, CatBoost,
        Isolation Forest, SMOTE, focal loss, GraphSAGE, GCN, GAT, Platt scaling, isotonic calibration,
        temperature scaling, SHAP, LIME, integrated gradients, DeepAR, Temporal Fusion Transformer,
        N-BEATS, Prophet, DeepETA, AlexNet, ResNet, Faster R-CNN, YOLO, R-CNN, Mask R-CNN, FPN,
        RetinaNet, DETR, ViT, CLIP, EfficientNet, CTC, wav2vec 2.0, Conformer, Whisper, Transformer,
        BERT, GPT-3, RAG, InstructGPT, RLHF, DPO, LoRA, FlashAttention, speculative decoding, vLLM,
        PagedAttention, Chinchilla, chain-of-thought, ReAct, Adam, dropout, batch normalization,
        knowledge distillation, word2vec, GBDT, CUPED"""
    missing = [name.strip() for name in classics.split(",") if name.strip() not in names]
    assert missing == []


def test_arxiv_and_venue_years_are_both_accepted():
    hnsw = next(w for w in load_references().works if w.name == "HNSW")
    assert {2016, 2018} <= {year for paper in hnsw.papers for year in paper.years}
    assert not _wrong("HNSW (Malkov & Yashunin, 2016) and HNSW (Malkov & Yashunin, 2018)")


GOOD = {
    "version": 1,
    "organisations": {"google": ["Google"]},
    "works": [{"name": "X", "orgs": ["google"], "papers": [{"authors": ["A"], "years": [2020]}]}],
}


@pytest.mark.parametrize(
    "broken",
    [
        {**GOOD, "works": [{**GOOD["works"][0], "orgs": ["meta"]}]},  # unknown organisation
        {**GOOD, "works": [{**GOOD["works"][0], "papers": [{"authors": ["A"], "years": ["2020"]}]}]},
        {**GOOD, "works": [{**GOOD["works"][0], "papers": [{"authors": ["A"], "years": [1820]}]}]},
        {**GOOD, "works": [{**GOOD["works"][0], "papers": []}]},  # no paper
        {**GOOD, "works": [{**GOOD["works"][0], "venue": "KDD"}]},  # unknown field
        {**GOOD, "works": [GOOD["works"][0], {**GOOD["works"][0], "name": "Y", "aliases": ["X"]}]},
    ],
)
def test_the_table_is_validated_strictly(broken):
    References.model_validate(GOOD)
    with pytest.raises(ValidationError):
        References.model_validate(broken)


# ---------------------------------------------------------------- parenthesised citations

RIGHT = [
    "LightGBM (Ke et al., 2017)",
    "XGBoost (Chen & Guestrin, 2016)",
    "XGBoost (Chen and Guestrin, KDD 2016)",
    "Wide & Deep [Cheng et al. 2016]",
    "ResNet (2016)",
    "ResNet (He et al., CVPR 2016)",
    "DLRM (Meta, 2019)",
    "DLRM (Facebook AI, 2019)",
    "DeepETA (Uber, 2022)",
    "YOLO (e.g., Redmon et al., 2016)",
    "GAT (Velickovic et al., 2018)",
    "t-SNE (van der Maaten & Hinton, 2008)",
    "BM25 (Robertson & Zaragoza, 2009)",
    "GBDT (Chen & Guestrin, 2016)",  # implementations are routinely cited for the family
    "Faster R-CNN (Ren et al., 2015)",
    "the detector (FCOS, Tian et al., 2019)",
]


@pytest.mark.parametrize("text", RIGHT)
def test_right_citations_pass_and_count_as_verified(text):
    assert _wrong(text) == []
    assert _unverified(text) == []
    assert count_verified(text) == 1


WRONG = [
    ("LightGBM (Chen & Guestrin, 2016) is the baseline.", "LightGBM (Chen & Guestrin, 2016)", "Ke"),
    ("YOLO (Girshick et al., 2014) detects boxes.", "YOLO (Girshick et al., 2014)", "Redmon"),
    ("It follows Wide & Deep [Covington et al. 2016].", "Wide & Deep [Covington et al. 2016]", "Cheng"),
    ("We use DLRM (Naumov et al., 2021).", "DLRM (Naumov et al., 2021)", "2019"),
    ("XGBoost (2017) is the baseline.", "XGBoost (2017)", "2016"),
    ("ResNet (Google, 2015) is the backbone.", "ResNet (Google, 2015)", "Microsoft"),
    ("Adam (Kingma & Hinton, 2015) trains it.", "Adam (Kingma & Hinton, 2015)", "Kingma & Ba"),
    ("The detector (FCOS, Redmon et al., 2019) is fast.", "(FCOS, Redmon et al., 2019)", "Tian"),
    ("A Transformer (Shazeer et al., 2017) encoder.", "Transformer (Shazeer et al., 2017)", "Vaswani"),
]


@pytest.mark.parametrize(("text", "quote", "expected"), WRONG)
def test_wrong_parenthesised_citations_are_flagged(text, quote, expected):
    [finding] = _wrong(text)
    assert finding.quote == quote
    assert expected in finding.expected
    assert finding.problem and finding.work in finding.expected


def test_a_finding_says_what_is_wrong_and_what_is_right():
    [finding] = _wrong("LightGBM (Chen & Guestrin, 2016)")
    assert finding == CitationFinding(
        quote="LightGBM (Chen & Guestrin, 2016)",
        work="LightGBM",
        problem="the first author is Ke, not Chen; the year is 2017, not 2016",
        expected="LightGBM: Ke et al., 2017 (Microsoft)",
    )


# ---------------------------------------------------------------- prose


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("ResNet, introduced by Google in 2017, is the backbone.", True),
        ("ResNet, introduced by Microsoft Research in 2015, is the backbone.", False),
        ("Adam, proposed by Hinton in 2012, is the optimiser.", True),
        ("Adam, proposed by Kingma and Ba in 2014, is the optimiser.", False),
        ("Dropout, proposed by Hinton in 2012, regularises the towers.", False),
        ("We follow the 2019 DLRM paper from Google.", True),
        ("We follow the 2019 DLRM paper from Facebook.", False),
        ("ResNet was introduced in 2015 by He et al. and is still used.", False),
        ("BERT was published by Devlin et al. in 2016.", True),
        ("GraphSAGE, introduced by Kipf et al. in 2017, embeds cards.", True),
        ("DCN, introduced by Covington et al. in 2017, crosses features.", True),  # open, but a known author
        ("ResNet (introduced by Google in 2017) is the backbone.", True),
        ("the Wide & Deep paper by Covington et al. in 2016", True),
    ],
)
def test_prose_attributions_in_one_clause_are_judged(text, flagged):
    assert bool(_wrong(text)) is flagged
    assert count_verified(text) == 1


def test_software_release_years_are_not_read_as_paper_years():
    assert _wrong("LightGBM, open-sourced by Microsoft in 2016, and XGBoost, released in 2014.") == []
    [finding] = _wrong("LightGBM, released by Google, is fast.")
    assert "Microsoft" in finding.problem and "year" not in finding.problem


# ---------------------------------------------------------------- what is not judged


@pytest.mark.parametrize(
    "text",
    [
        "DLRM powers ranking at Meta; in 2017 we moved it to GPUs.",  # a year in another clause
        "LightGBM has been in production since 2016, well before the rewrite.",
        "We trained the LightGBM ranker in 2019 (Smith et al., 2020).",  # the citation is not next to it
        "the YouTube multitask ranker (Zhao et al., 2019)",  # YouTube is not YouTube DNN
        "Swin Transformer (Liu et al., 2021) and the Sparse Transformer (Child et al., 2019)",
        "Sentence-BERT (Reimers & Gurevych, 2019) and ResNet-50 (He et al., 2016)",
        "DCN and DeepFM (Wang et al., 2017)",  # one citation for two methods
        "Google's DLRM (Naumov et al., 2020)",  # a possessive may name a deployment, not the author
        "XGBoost (Chen & Guestrin, 2016; Ke et al., 2017)",  # several citations in one parenthesis
        "LightGBM (July 2019) and LightGBM (v3, 2020) and LightGBM [12]",  # not citations
        "Adam was proposed for convex problems in 2014.",  # the year is not the attribution
        "BM25 (Sparck Jones et al., 2000)",  # other papers are cited for BM25 too
        "isotonic regression (Barlow et al., 1972)",
        "DeepETA (Lyft, 2022)",  # an organisation the table does not know
        "DCN (Dai et al., 2017) and DCNv2 (Zhu et al., 2019) and DCN-V2 (2019)",  # deformable convs
        "BM25 (2000)",
    ],
)
def test_unbound_or_undecidable_claims_are_never_flagged(text):
    assert _wrong(text) == []


def test_unknown_methods_are_reported_as_unverified():
    text = (
        "We use FooNet (Smith et al., 2020) and a GNN over road supersegments (Derrow-Pinion et al., 2021)."
    )
    wrong, unverified = check_citations(text)
    assert wrong == []
    assert unverified == [
        "We use FooNet (Smith et al., 2020)",
        "GNN over road supersegments (Derrow-Pinion et al., 2021)",
    ]
    assert count_verified(text) == 0


def test_a_name_inside_a_longer_known_name_is_the_longer_one():
    assert _wrong("Mask R-CNN (He et al., 2017) and Fast R-CNN (Girshick, 2015)") == []
    assert _wrong("wav2vec 2.0 (Baevski et al., 2020)") == []
    [finding] = _wrong("wav2vec (Baevski et al., 2020)")
    assert finding.work == "wav2vec"


def test_acronyms_match_case_sensitively():
    assert count_verified("a slice of lime (Smith, 2016) and a din (Jones, 2020)") == 0
    assert count_verified("LIME (Ribeiro et al., 2016) and DIN (Zhou et al., 2018)") == 2


def test_code_fences_and_front_matter_are_skipped():
    text = (
        "---\nnote: LightGBM (Chen & Guestrin, 2016)\n---\n\n```\nYOLO (Girshick et al., 2014)\n```\n\n"
        "In prose, MMoE (Ma et al., 2020).\n"
    )
    assert [f.quote for f in _wrong(text)] == ["MMoE (Ma et al., 2020)"]


def test_markdown_emphasis_and_links_do_not_hide_a_citation():
    assert [f.work for f in _wrong("**LightGBM** (Chen & Guestrin, 2016)")] == ["LightGBM"]
    assert [f.work for f in _wrong("[YOLO](https://example.org/yolo) (Girshick et al., 2014)")] == ["YOLO"]

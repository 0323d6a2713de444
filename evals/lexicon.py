"""Word lists the deterministic checks match against, and each archetype's vocabulary merged in.

The lists here are shared by every kind of ML problem; what names a unit, a metric, a feature
group or a pipeline comes from the question's archetype (prompts/archetypes/<id>.yaml, `checks:`)
through `vocabulary()`.

A lexicon maps a concept to its spellings. Matching (evals/markdown.py `term_pattern`) is
case-insensitive, tolerates a hyphen, dash or space (or nothing) wherever a spelling has a
hyphen or space, allows a plural "s"/"es", and treats a trailing "*" as "any word ending".
Distinct concepts are counted, so two spellings of one idea count once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mlsd.prompts.archetypes import load_archetype

Lexicon = dict[str, tuple[str, ...]]

# Units that make a number a quantity for G6 and the scale checks; compared lower-case.
UNITS = frozenset(
    """ms msec millisecond milliseconds s sec secs second seconds min mins minute minutes
    h hour hours hr hrs day days week weeks month months year years
    qps rps tps req/s requests/s queries/s qps/s request requests query queries
    dau mau wau users user creators authors advertisers items item posts post videos video
    reels ads ad stories pages documents docs candidates impressions clicks events sessions
    actions examples samples rows
    features feature embeddings params parameters weights layers heads tokens dims dim
    dimensions bytes byte kb mb gb tb pb kib mib gib tib gbps gb/s tb/day gb/day
    gpus gpu cpus cpu cores nodes machines servers hosts shards replicas
    % pct percent percentage k m b bn t thousand million millions billion billions trillion
    x $ usd""".split()
)

ARCHITECTURES: Lexicon = {
    "two-tower": ("two-tower", "dual encoder", "dual-tower", "twin tower"),
    "dlrm": ("dlrm",),
    "dcn": ("dcn", "dcn-v2", "dcnv2", "deep & cross", "deep and cross", "deep cross network"),
    "deepfm": ("deepfm",),
    "wide & deep": ("wide & deep", "wide and deep", "wide-and-deep", "wide&deep"),
    "factorization machine": ("factorization machine", "factorisation machine", "fm", "ffm"),
    "transformer": ("transformer", "self-attention", "multi-head attention"),
    "bert": ("bert", "roberta"),
    "gbdt": ("gbdt", "gradient boosted", "gradient-boosted trees", "boosted trees"),
    "xgboost": ("xgboost",),
    "lightgbm": ("lightgbm",),
    "mmoe": ("mmoe", "multi-gate mixture", "mixture of experts", "mixture-of-experts", "moe"),
    "ple": ("ple", "progressive layered extraction"),
    "din": ("din", "deep interest network"),
    "dien": ("dien", "deep interest evolution"),
    "sasrec": ("sasrec",),
    "bert4rec": ("bert4rec",),
    "gnn": ("gnn", "graph neural network"),
    "graphsage": ("graphsage",),
    "pinsage": ("pinsage",),
    "hnsw": ("hnsw",),  # Retrieval only (RETRIEVAL_ONLY below).
    "logistic regression": ("logistic regression",),
    "mlp": ("mlp", "multi-layer perceptron", "multilayer perceptron", "feed-forward network"),
    "cnn": ("cnn", "convolutional", "resnet"),
    "rnn": ("rnn", "gru", "recurrent neural"),
    "lstm": ("lstm",),
    "matrix factorization": ("matrix factorization", "matrix factorisation", "als"),
    "autoint": ("autoint",),
    "hstu": ("hstu", "generative recommender"),
    "llm": ("llm", "large language model"),
    "vit": ("vit", "vision transformer"),
    "word2vec": ("word2vec", "item2vec", "node2vec"),
}

AB_TERMS: Lexicon = {
    "alpha": ("α", "alpha", "significance level"),
    "power": ("power", "statistical power", "1-β"),
    "mde": ("mde", "minimum detectable effect"),
    "sample size": ("sample size", "sample-size"),
    "ramp": ("ramp*",),
    "interleaving": ("interleaving", "interleaved"),
    "holdout": ("holdout", "hold-out", "holdback", "hold-back"),
    "p-value": ("p-value", "p value", "p <"),
    "confidence interval": ("confidence interval", "ci"),
    "cuped": ("cuped", "variance reduction"),
    "novelty effect": ("novelty effect", "primacy effect"),
    "network effect": ("network effect", "cluster randomi*", "ego-cluster*"),
}

MONITORING_SIGNALS: Lexicon = {
    "psi": ("psi", "population stability index"),
    "kl divergence": ("kl divergence", "kl", "js divergence", "jensen-shannon"),
    "calibration": ("calibration", "predicted/observed", "observed/expected", "o/e"),
    "prediction distribution": ("prediction distribution", "score distribution", "mean prediction"),
    "null rate": ("null rate", "missing rate", "missing-value rate", "nan rate", "null*"),
    "staleness": ("staleness", "stale", "freshness", "feature age", "lag"),
    "tail latency": ("p99", "p95", "p999", "tail latency"),
    "feature drift": ("feature drift", "data drift", "covariate shift", "input drift", "embedding drift"),
    "concept drift": ("concept drift", "label drift", "label shift"),
    "training-serving skew": ("training-serving skew", "train-serve skew", "online-offline skew"),
    "error rate": ("error rate", "timeout rate", "fallback rate", "5xx"),
    "model quality": ("ctr", "engagement rate", "auc"),
    "coverage": ("feature coverage", "coverage"),
}

OPTIMISATIONS: Lexicon = {
    "quantization": ("quantization", "quantisation", "quantized", "quantised", "int8", "fp16", "bf16", "fp8"),
    "distillation": ("distillation", "distilled", "distil", "student model"),
    "pruning": ("pruning", "pruned", "sparsification"),
    "caching": ("cache", "caching", "cached"),
    "ann": ("ann", "approximate nearest", "hnsw", "faiss", "scann", "ivf-pq", "ivf"),
    "precomputation": ("precompute*", "pre-compute*"),
    "batching": ("batching", "dynamic batching", "micro-batch*", "request batching"),
    "early exit": ("early exit", "early-exit", "early termination", "cascade", "cascaded"),
    "mixed precision": ("mixed precision", "mixed-precision"),
    "kernel fusion": ("kernel fusion", "operator fusion", "tensorrt", "compiled graph"),
    "embedding compression": ("embedding compression", "hashing trick", "low-rank", "tt-rec"),
}

POSITIVE_LABEL = (
    "positive label",
    "positive example",
    "positives",
    "positive:",
    "positive =",
    "positive class",
    "y = 1",
    "label = 1",
    "label 1",
)
NEGATIVE_LABEL = (
    "negative label",
    "negative example",
    "negatives",
    "negative:",
    "negative =",
    "negative class",
    "y = 0",
    "label = 0",
    "label 0",
)
# A label may also be a preference between two outputs, or a regression target with its censoring.
PREFERENCE_LABEL = (
    "preference pair*",
    "pairwise preference*",
    "chosen and rejected",
    "chosen vs rejected",
    "preferred and rejected",
    "preferred vs rejected",
    "preferred over",
)
TARGET_LABEL = ("target", "label =", "label:", "ground truth", "realized", "realised", "actual")
CENSORING_TERMS = ("censor*", "truncat*", "stock-out*", "stockout*", "right-censored", "survival")
IMBALANCE_TERMS = (
    "downsampl*",
    "down-sampl*",
    "negative sampling",
    "focal loss",
    "class weight*",
    "class-balanced",
    "cost-sensitive",
    "smote",
    "reweight*",
    "re-weight*",
    "upsampl*",
    "oversampl*",
    "hard negative*",
    "importance weight*",
    "in-batch negative*",
    "log-q correction",
)
LEAKAGE_TERMS = (
    "leak*",
    "point-in-time",
    "time-based split",
    "temporal split",
    "time split",
    "out-of-time",
    "as-of join",
    "future data",
    "chronological split",
)
BATCH_TERMS = ("batch", "daily", "nightly", "hourly", "offline features", "spark")
STREAMING_TERMS = (
    "streaming",
    "stream",
    "real-time",
    "realtime",
    "near-real-time",
    "online feature*",
    "kafka",
    "flink",
)

OBJECTIVE_TERMS = ("ml objective", "objective", "predict*", "probability of", "p(", "estimate*")
BASELINE_TERMS = ("baseline*",)
TRADEOFF_TABLE_HEADERS = ("pros", "cons", "trade-off*", "tradeoff*", "latency")
TRADEOFF_TERMS = ("vs", "versus", "trade-off*", "tradeoff*", "pros", "cons")
ANSWER_MARKERS = (
    "expected answer*",
    "answer:",
    "strong answer*",
    "model answer*",
    "a:",
    "what good looks like",
)

COMPONENTS: Lexicon = {
    "feature store": ("feature store", "feature service", "feature hydration"),
    "logging": ("logging", "event log*", "impression log*", "log stream", "logs"),
    "training pipeline": (
        "training pipeline",
        "trainer",
        "training job",
        "offline training",
        "backtest*",
        "distillation pipeline",
        "teacher-student training",
    ),
    "model registry": ("model registry", "model store", "model repository"),
    "index": ("ann index", "index", "vector index", "embedding index"),
    "cache": ("cache",),
    "retrieval service": ("candidate generation", "retrieval service", "retrieval"),
    "scoring service": (
        "ranking service",
        "ranker",
        "ranking server",
        "scoring service",
        "forecast service",
        "batch scorer",
    ),
    "stream processor": ("kafka", "flink", "stream processor", "message queue", "pub/sub"),
    "data warehouse": ("data warehouse", "warehouse", "hive", "data lake"),
    "label join": ("label join", "join", "label generation"),
    "experimentation": ("experimentation platform", "a/b platform", "experiment service"),
    "monitoring": ("monitoring", "alerting", "dashboard"),
    "gateway": ("api gateway", "gateway", "load balancer", "aggregator"),
    "inference service": ("inference service", "model server", "inference server"),
    # Components of systems without features (perception, speech, generative): the data the model
    # learns from is versioned, labelled by people and sometimes run on the device.
    "dataset store": (
        "dataset version*",
        "versioned dataset*",
        "versioned audio dataset",
        "dataset registry",
    ),
    "annotation": (
        "annotation tool",
        "annotation pipeline",
        "annotation vendor*",
        "labelling tool",
        "labeling tool",
    ),
    "on-device runtime": ("on-device runtime", "on-device model", "device runtime", "edge runtime"),
}

TRAINING_SCALE_TERMS = (
    "sharded embedding*",
    "embedding shard*",
    "shard*",
    "data parallel*",
    "model parallel*",
    "pipeline parallel*",
    "tensor parallel*",
    "fsdp",
    "zero-*",
    "parameter server*",
    "all-reduce",
    "allreduce",
    "torchrec",
    "distributed training",
    "row-wise shard*",
    "table-wise shard*",
)

ADVANCED_TOPICS: Lexicon = {
    "cold start": ("cold start", "cold-start", "new users", "new items"),
    "exploration": ("exploration", "explore", "bandit*", "thompson sampling", "ucb", "epsilon-greedy"),
    "position bias": ("position bias", "presentation bias", "selection bias"),
    "fairness": ("fairness", "creator fairness", "exposure parity"),
    "privacy": ("privacy", "differential privacy", "federated", "gdpr"),
    "multi-objective": ("multi-objective", "pareto", "value model", "multi-task"),
    "llm": ("llm*", "large language model*", "foundation model*", "generative retrieval"),
    "causal": ("causal", "counterfactual", "uplift", "off-policy", "inverse propensity", "ips"),
    "feedback loop": ("feedback loop*", "popularity bias", "echo chamber", "filter bubble"),
    "delayed feedback": ("delayed feedback", "label delay", "delayed label*", "late label*"),
    "integrity": ("integrity", "misinformation", "clickbait", "adversarial"),
    "continual learning": ("continual learning", "online learning", "incremental training"),
    "uncertainty": ("uncertainty", "conformal", "prediction interval*", "quantile regression"),
    "distribution shift": ("distribution shift", "domain shift", "domain adaptation", "dataset shift"),
    "active learning": ("active learning", "hard-example mining", "hard example mining"),
    "explainability": ("explainab*", "interpretab*", "shap", "reason code*"),
    "self-supervised learning": ("self-supervised", "contrastive pretraining", "masked autoencod*"),
    "preference learning": ("rlhf", "dpo", "direct preference optimi*", "reward model*"),
}

# G5: deployment and ops detail the document must not contain.
OPS_FENCE_LANGUAGES = frozenset(
    "bash sh shell zsh console terminal powershell ps1 yaml yml dockerfile docker hcl "
    "terraform tf makefile jenkinsfile".split()
)
OPS_PATTERNS = (
    r"\bkubectl\b",
    r"\bhelm\s+(?:install|upgrade|chart|repo)\b",
    r"\bdocker\s+(?:run|build|compose|push|pull)\b",
    r"\bdocker-compose\b",
    r"\bterraform\b",
    r"\bapiVersion:",
    r"\bpip3?\s+install\b",
    r"\bconda\s+install\b",
    r"\bapt(?:-get)?\s+install\b",
    r"\b[a-z]{1,4}\d[a-z]{0,3}\.(?:nano|micro|small|medium|large|\d{0,2}xlarge|metal)\b",
    r"\b(?:n1|n2|n2d|e2|c2|c2d|c3|a2|a3|g2|m1|m2|t2d)-(?:standard|highmem|highcpu|highgpu"
    r"|megagpu|ultragpu)-\d+\b",
    r"\.github/workflows",
    r"\bJenkinsfile\b",
    r"\.gitlab-ci\.yml",
    r"\bcircleci\b",
)

# G4: placeholders; the upper-case markers are matched case-sensitively.
PLACEHOLDER_PATTERNS = (
    r"\bTODO\b",
    r"\bTBD\b",
    r"\bFIXME\b",
    r"\bXXX\b",
    r"(?i)\[insert",
    r"(?i)lorem ipsum",
    r"(?i)<placeholder>",
    r"(?i)\[citation needed\]",
)


# ---------------------------------------------------------------- archetype vocabulary

# Concepts that only make sense where the archetype retrieves from an index (ranking, search,
# RAG): an ETA model or a fraud scorer that "uses HNSW" has named a technique it cannot use.
RETRIEVAL_ONLY = frozenset({"hnsw", "ann"})
# Counted for every archetype, but never offered as an example outside ranking and search: a fix
# that tells a fraud writer to add DLRM or position bias asks for feed vocabulary.
RECSYS_EXAMPLES = frozenset(
    {
        "two-tower",
        "dlrm",
        "dcn",
        "deepfm",
        "wide & deep",
        "factorization machine",
        "din",
        "dien",
        "sasrec",
        "bert4rec",
        "pinsage",
        "matrix factorization",
        "hstu",
        "word2vec",
        "mmoe",
        "ple",
        "embedding compression",
        "position bias",
    }
)
# Components offered as examples only where the archetype retrieves (ranking, search, RAG).
RETRIEVAL_EXAMPLES = frozenset({"retrieval service", "index"})
# Units written in capitals when a fix text names them.
ABBREVIATED_UNITS = frozenset("dau mau wau qps rps tps bps fps".split())
# Metric names any archetype may write a formula for, besides its own metric lexicons.
FORMULA_METRICS = (
    "precision",
    "recall",
    "accuracy",
    "f1",
    "mae",
    "rmse",
    "mse",
    "mape",
    "auc",
    "iou",
    "wer",
    "dcg",
    "idcg",
    "logloss",
    "log loss",
    "brier",
    "coverage",
    "error rate",
)
# Phrases that mark a number as a load figure even before its unit ("peak of 3k per second").
THROUGHPUT_LABELS = (
    "requests per second",
    "queries per second",
    "transactions per second",
    "events per second",
    "predictions per second",
    "images per second",
)


@dataclass(frozen=True)
class Vocabulary:
    """One archetype's words for the checks: its own lists merged with the shared ones."""

    archetype: str
    name: str
    units: frozenset[str]
    scale_units: tuple[str, ...]
    scale_labels: str
    throughput_units: frozenset[str]
    throughput_unit: str
    throughput_labels: str
    task_categories: tuple[str, ...]
    feature_groups: Lexicon
    min_feature_groups: int
    imbalanced: bool
    pipeline: bool
    pipeline_name: str
    pipeline_example: str
    retrieval: bool
    architectures: Lexicon
    optimisations: Lexicon
    offline_metrics: Lexicon
    online_metrics: Lexicon
    guardrails: tuple[str, ...]
    metric_spellings: tuple[str, ...]
    citation_example: str
    fixes: dict[str, str]

    @property
    def feed_examples(self) -> bool:
        """Whether feed and search examples (DLRM, MMoE, position bias) fit this archetype's fixes."""
        return self.archetype in ("ranking", "search")


def _labels(terms) -> str:
    """A regex alternation of spellings; a trailing "*" allows any word ending, as in the lexicons."""
    return "|".join(re.escape(term.rstrip("*")) + (r"\w*" if term.endswith("*") else "") for term in terms)


def _merge(shared: Lexicon, own: dict, retrieval: bool) -> Lexicon:
    """The archetype's own concepts first (fix examples come from the front), then the shared ones."""
    merged = {name: tuple(spellings) for name, spellings in own.items()}
    for name, spellings in shared.items():
        if name not in merged and (retrieval or name not in RETRIEVAL_ONLY):
            merged[name] = spellings
    return merged


@cache
def vocabulary(archetype: str) -> Vocabulary:
    """The merged vocabulary of one archetype (ValueError for an unknown id)."""
    a = load_archetype(archetype)
    c = a.checks
    # An archetype retrieves when a stage of its pipeline does (ranking, search, RAG); only then do
    # ANN indexes and HNSW count as techniques it can use.
    retrieval = any("retriev" in stage.lower() for stage in a.pipeline.stages)
    metrics = [
        s for lex in (c.offline_metrics, c.online_metrics) for spellings in lex.values() for s in spellings
    ]
    return Vocabulary(
        archetype=a.id,
        name=a.name,
        units=UNITS | frozenset(c.scale_units) | frozenset(c.throughput_units),
        scale_units=tuple(c.scale_units),
        # "DAU: 500M" labels its number as much as "500M DAU" does.
        scale_labels=_labels((*c.scale_terms, *(u for u in c.scale_units if u in ABBREVIATED_UNITS))),
        throughput_units=frozenset(c.throughput_units),
        throughput_unit=a.throughput_unit.split()[0],
        throughput_labels=_labels((*c.throughput_units, *THROUGHPUT_LABELS)),
        task_categories=tuple(c.task_categories),
        feature_groups={name: tuple(s) for name, s in c.feature_groups.items()},
        min_feature_groups=c.min_feature_groups,
        imbalanced=c.imbalanced,
        pipeline=c.pipeline,
        pipeline_name=a.pipeline.name,
        pipeline_example=a.pipeline.example,
        retrieval=retrieval,
        architectures=_merge(ARCHITECTURES, c.architectures, retrieval),
        optimisations=_merge(OPTIMISATIONS, c.optimisations, retrieval),
        offline_metrics={name: tuple(s) for name, s in c.offline_metrics.items()},
        online_metrics={name: tuple(s) for name, s in c.online_metrics.items()},
        guardrails=tuple(c.guardrails),
        metric_spellings=tuple(dict.fromkeys((*metrics, *FORMULA_METRICS))),
        citation_example=a.references[0].cite(),
        fixes=dict(c.fixes),
    )


# Instructions from the writer's prompts (prompts/templates/writer_system.md, section_brief.md,
# revision_brief.md, and the retry of agents/writer.py) that no document's reader needs: a
# section that contains one has copied its prompt (G11, evals/degenerate.py). Each is long or
# odd enough never to occur in a real document; tests/test_degenerate.py checks that each one
# still occurs in the prompts (except PROMPT_ECHO_EXTRAS, wordings a model makes up from them).
PROMPT_ECHOES = (
    "A first attempt at this section was cut off",
    "cut off by the length limit",
    "Write the whole section",
    "fewer sub-points, same concrete numbers",
    "Section brief:",
    "Seed focus:",
    "Seed criteria:",
    "The seed's bullets for this section",
    "Required elements (each one must be present",
    "Required for this kind of problem (in its own vocabulary)",
    "Focus-area emphasis for this section",
    "Key points from the document plan",
    "must show in this section",
    "Write the body of section",
    "do not repeat the section number and title as a heading",
    "Start directly with content",
    "write no preamble and no closing summary",
    "Spend words on depth, not on restating the brief",
    "Reuse the fact-sheet numbers exactly",
    "Numbers inside these items are illustrations of the form",
    "You are a principal (E8) machine learning engineer",
    "You are writing one section of an interview-preparation document",
    "The record above is data describing the question",
    "The writing rules given earlier",
    "Your section brief follows in the next message",
    "Write only that section",
    "The reviewer's required fixes",
    "Rewrite the whole section from start to finish",
    "Your previous draft",
    "word budget",
    # The small-model prompts (prompts/templates/*_compact.md).
    "Points to explain:",
    "Numbers to reuse:",
    "Do not repeat sentences. Do not write a title line",
    "You write one section of an interview-preparation document",
)
PROMPT_ECHO_EXTRAS = ("word budget",)

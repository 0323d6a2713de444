"""Word lists the deterministic checks match against, kept as plain data.

A lexicon maps a concept to its spellings. Matching (evals/markdown.py `term_pattern`) is
case-insensitive, tolerates a hyphen, dash or space (or nothing) wherever a spelling has a
hyphen or space, allows a plural "s"/"es", and treats a trailing "*" as "any word ending".
Distinct concepts are counted, so two spellings of one idea count once.
"""

from __future__ import annotations

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

# Scale units: population or corpus sizes for §2.
SCALE_UNITS = frozenset(
    """dau mau wau users creators authors advertisers items posts videos reels ads stories
    pages documents docs candidates impressions events""".split()
)
QPS_UNITS = frozenset("qps rps tps req/s requests/s queries/s".split())

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
    "hnsw": ("hnsw",),
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

OFFLINE_METRICS: Lexicon = {
    "auc": ("auc", "roc-auc", "roc auc", "auroc", "gauc"),
    "pr-auc": ("pr-auc", "pr auc", "auprc", "average precision"),
    "log loss": ("log loss", "logloss", "log-loss", "cross-entropy", "bce"),
    "normalized entropy": ("normalized entropy", "normalised entropy", "ne", "nce"),
    "ndcg": ("ndcg*", "dcg"),
    "map": ("map@*", "mean average precision"),
    "mrr": ("mrr", "mean reciprocal rank"),
    "recall@k": ("recall@*", "recall at k", "recall"),
    "precision@k": ("precision@*", "precision at k"),
    "hit rate": ("hit rate", "hitrate", "hr@*"),
    "calibration": ("calibration", "ece", "expected calibration error"),
    "rmse": ("rmse", "mse", "mae"),
    "f1": ("f1", "f1-score"),
    "coverage": ("coverage", "catalog coverage", "diversity"),
}

ONLINE_METRICS: Lexicon = {
    "ctr": ("ctr", "click-through rate", "click through rate"),
    "time spent": ("time spent", "time-spent", "dwell time", "watch time", "session length"),
    "sessions": ("sessions per user", "sessions/user", "session count", "daily sessions"),
    "dau": ("dau", "daily active users"),
    "retention": ("retention", "d1 retention", "d7 retention", "return rate"),
    "engagement": ("engagement rate", "meaningful social interactions", "msi", "interactions"),
    "likes": ("likes", "comments", "shares", "reshares"),
    "conversion": ("conversion", "cvr", "conversion rate"),
    "revenue": ("revenue", "ad revenue", "rpm", "ecpm"),
    "hides": ("hides", "hide rate", "reports", "unfollows", "negative feedback rate"),
}

GUARDRAIL_TERMS = ("guardrail*", "counter-metric*", "countermetric*", "counter metric*")

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
    "feature drift": ("feature drift", "data drift", "covariate shift", "input drift",
                      "embedding drift"),
    "concept drift": ("concept drift", "label drift", "label shift"),
    "training-serving skew": ("training-serving skew", "train-serve skew", "online-offline skew"),
    "error rate": ("error rate", "timeout rate", "fallback rate", "5xx"),
    "engagement": ("ctr", "engagement rate", "auc"),
    "coverage": ("feature coverage", "coverage"),
}

OPTIMISATIONS: Lexicon = {
    "quantization": ("quantization", "quantisation", "quantized", "quantised", "int8", "fp16",
                     "bf16", "fp8"),
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

FEATURE_GROUPS: Lexicon = {
    "user": ("user features", "user feature", "user-side", "user embedding", "user profile",
             "user history", "viewer features", "user context"),
    "item": ("item features", "item feature", "item-side", "item embedding", "post features",
             "content features", "video features", "ad features", "author features",
             "document features", "post embedding", "creator features"),
    "context": ("context features", "contextual features", "context feature", "context:",
                "request context", "time of day", "device type"),
    "cross": ("cross features", "cross feature", "affinity", "interaction features",
              "user-item", "user-author", "user-creator", "crossed features"),
}

POSITIVE_LABEL = ("positive label", "positive example", "positives", "positive:", "positive =",
                  "positive class", "y = 1", "label = 1", "label 1")
NEGATIVE_LABEL = ("negative label", "negative example", "negatives", "negative:", "negative =",
                  "negative class", "y = 0", "label = 0", "label 0")
IMBALANCE_TERMS = ("downsampl*", "down-sampl*", "negative sampling", "focal loss", "class weight*",
                   "reweight*", "re-weight*", "upsampl*", "oversampl*", "hard negative*",
                   "importance weight*", "in-batch negative*", "log-q correction")
LEAKAGE_TERMS = ("leak*", "point-in-time", "time-based split", "temporal split", "time split",
                 "out-of-time", "as-of join", "future data", "chronological split")
BATCH_TERMS = ("batch", "daily", "nightly", "hourly", "offline features", "spark")
STREAMING_TERMS = ("streaming", "stream", "real-time", "realtime", "near-real-time",
                   "online feature*", "kafka", "flink")

TASK_CATEGORIES = ("pointwise", "pairwise", "listwise", "learning to rank", "learning-to-rank",
                   "ltr", "multi-task", "multitask", "multi-label", "classification",
                   "regression", "binary classifier", "contrastive")
OBJECTIVE_TERMS = ("ml objective", "objective", "predict*", "probability of", "p(", "estimate*")
BASELINE_TERMS = ("baseline*",)
TRADEOFF_TABLE_HEADERS = ("pros", "cons", "trade-off*", "tradeoff*", "latency")
TRADEOFF_TERMS = ("vs", "versus", "trade-off*", "tradeoff*", "pros", "cons")
ANSWER_MARKERS = ("expected answer*", "answer:", "strong answer*", "model answer*", "a:",
                  "what good looks like")

COMPONENTS: Lexicon = {
    "feature store": ("feature store", "feature service", "feature hydration"),
    "logging": ("logging", "event log*", "impression log*", "log stream"),
    "training pipeline": ("training pipeline", "trainer", "training job", "offline training"),
    "model registry": ("model registry", "model store", "model repository"),
    "index": ("ann index", "index", "vector index", "embedding index"),
    "cache": ("cache",),
    "candidate generation": ("candidate generation", "retrieval service", "retrieval"),
    "ranking service": ("ranking service", "ranker", "ranking server", "scoring service"),
    "stream processor": ("kafka", "flink", "stream processor", "message queue", "pub/sub"),
    "data warehouse": ("data warehouse", "warehouse", "hive", "data lake"),
    "label join": ("label join", "join", "label generation"),
    "experimentation": ("experimentation platform", "a/b platform", "experiment service"),
    "monitoring": ("monitoring", "alerting", "dashboard"),
    "gateway": ("api gateway", "gateway", "load balancer", "aggregator"),
    "inference service": ("inference service", "model server", "inference server"),
}

TRAINING_SCALE_TERMS = ("sharded embedding*", "embedding shard*", "shard*", "data parallel*",
                        "model parallel*", "pipeline parallel*", "tensor parallel*", "fsdp",
                        "zero-*", "parameter server*", "all-reduce", "allreduce", "torchrec",
                        "distributed training", "row-wise shard*", "table-wise shard*")

ADVANCED_TOPICS: Lexicon = {
    "cold start": ("cold start", "cold-start", "new users", "new items"),
    "exploration": ("exploration", "explore", "bandit*", "thompson sampling", "ucb",
                    "epsilon-greedy"),
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

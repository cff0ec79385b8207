"""Names, keys and small name functions of KServe v0.20.0's `pkg/constants/constants.go`.

Spelled as KServe spells them so a grep for the Go name finds ours. Append-only while several
people work in parallel: add what you need at the end of the section it belongs to.
"""

from __future__ import annotations

from enum import StrEnum

KSERVE_API_GROUP = "serving.kserve.io"
KSERVE_NAMESPACE = "kserve"
INFERENCE_SERVICE_CONFIG_MAP_NAME = "inferenceservice-config"
KNATIVE_SERVING_API_GROUP = "serving.knative.dev"
KNATIVE_AUTOSCALING_API_GROUP = "autoscaling.knative.dev"
DEFAULT_KN_SERVING_NAMESPACE = "knative-serving"

# What kserve-gitops puts on top-level objects instead of an ownerReference (GitOps: nothing
# in the cluster owns them, and an absent owner would make the garbage collector delete them).
MANAGED_BY_LABEL_KEY = "app.kubernetes.io/managed-by"
MANAGED_BY_LABEL_VALUE = "kserve-gitops"

# --- labels ---
INFERENCE_SERVICE_POD_LABEL_KEY = KSERVE_API_GROUP + "/inferenceservice"
INFERENCE_SERVICE_LABEL = INFERENCE_SERVICE_POD_LABEL_KEY
INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY = "isvc.generation"
INFERENCE_GRAPH_LABEL = KSERVE_API_GROUP + "/inferencegraph"
KSERVICE_COMPONENT_LABEL = "component"
KSERVICE_MODEL_LABEL = "model"
KSERVICE_ENDPOINT_LABEL = "endpoint"
PARENT_INFERENCE_SERVICE_LABEL = "inferenceservice"
VISIBILITY_LABEL = "networking.knative.dev/visibility"  # Knative mode
NETWORK_VISIBILITY = "networking.kserve.io/visibility"  # Standard mode
CLUSTER_LOCAL_VISIBILITY = "cluster-local"
RAW_DEPLOYMENT_APP_LABEL = "app"
MODEL_CLASS_LABEL = "modelClass"
SERVICE_ENVELOPE = "serviceEnvelope"
MULTI_NODE_ROLE_LABEL_KEY = "multinode/role"
MULTI_NODE_HEAD = "head"
MULTI_NODE_WORKER = "worker"

# --- InferenceService annotations ---
INFERENCE_SERVICE_GKE_ACCELERATOR_ANNOTATION_KEY = KSERVE_API_GROUP + "/gke-accelerator"
DEPLOYMENT_MODE = KSERVE_API_GROUP + "/deploymentMode"
ENABLE_ROUTING_TAG_ANNOTATION_KEY = KSERVE_API_GROUP + "/enable-tag-routing"
AUTOSCALER_CLASS = KSERVE_API_GROUP + "/autoscalerClass"
AUTOSCALER_METRICS = KSERVE_API_GROUP + "/metrics"
TARGET_UTILIZATION_PERCENTAGE = KSERVE_API_GROUP + "/targetUtilizationPercentage"
STOP_ANNOTATION_KEY = KSERVE_API_GROUP + "/stop"
ROLLOUT_DURATION_ANNOTATION_KEY = KNATIVE_SERVING_API_GROUP + "/rollout-duration"
KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY = "serving.knative.openshift.io/enablePassthrough"
ENABLE_METRIC_AGGREGATION = KSERVE_API_GROUP + "/enable-metric-aggregation"
SET_PROMETHEUS_ANNOTATION = KSERVE_API_GROUP + "/enable-prometheus-scraping"
STORAGE_READONLY_ANNOTATION_KEY = "storage.kserve.io/readonly"
NODE_GROUP_ANNOTATION_KEY = KSERVE_API_GROUP + "/nodegroup"
DISABLE_LOCAL_MODEL_KEY = KSERVE_API_GROUP + "/disable-localmodel"
DISABLE_AUTO_UPDATE_ANNOTATION_KEY = KSERVE_API_GROUP + "/disable-auto-update"
MODEL_FORMAT_ANNOTATION_KEY = "modelFormat"
SERVER_TYPE_ANNOTATION_KEY = KSERVE_API_GROUP + "/server-type"
CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY = KSERVE_API_GROUP + "/gpu-resource-types"
MULTI_NODE_EXECUTOR_BACKEND_ANNOTATION_KEY = "multinode/executor-backend"
KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY = KNATIVE_AUTOSCALING_API_GROUP + "/class"
KNATIVE_MIN_SCALE_ANNOTATION_KEY = KNATIVE_AUTOSCALING_API_GROUP + "/min-scale"
KNATIVE_MAX_SCALE_ANNOTATION_KEY = KNATIVE_AUTOSCALING_API_GROUP + "/max-scale"
KNATIVE_HPA_CLASS = "hpa.autoscaling.knative.dev"
KNATIVE_KPA_CLASS = "kpa.autoscaling.knative.dev"
LAST_APPLIED_CONFIG_ANNOTATION_KEY = "kubectl.kubernetes.io/last-applied-configuration"
MULTI_NODE_EXECUTOR_BACKEND_MP = "mp"  # value of MULTI_NODE_EXECUTOR_BACKEND_ANNOTATION_KEY
KNATIVE_TARGET_ANNOTATION_KEY = KNATIVE_AUTOSCALING_API_GROUP + "/target"
KNATIVE_METRIC_ANNOTATION_KEY = KNATIVE_AUTOSCALING_API_GROUP + "/metric"
ISTIO_SIDECAR_UID_ANNOTATION_KEY = KSERVE_API_GROUP + "/storage-initializer-uid"
KSERVE_CONTAINER_PROMETHEUS_PORT_KEY = "prometheus.kserve.io/port"
KSERVE_CONTAINER_PROMETHEUS_PATH_KEY = "prometheus.kserve.io/path"
PROMETHEUS_PORT_ANNOTATION_KEY = "prometheus.io/port"
PROMETHEUS_PATH_ANNOTATION_KEY = "prometheus.io/path"

# --- internal annotations ---
INTERNAL_PREFIX = "internal." + KSERVE_API_GROUP
STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY = (
    INTERNAL_PREFIX + "/storage-initializer-sourceuri"
)
STORAGE_SPEC_ANNOTATION_KEY = INTERNAL_PREFIX + "/storage-spec"
STORAGE_SPEC_PARAM_ANNOTATION_KEY = INTERNAL_PREFIX + "/storage-spec-param"
STORAGE_SPEC_KEY_ANNOTATION_KEY = INTERNAL_PREFIX + "/storage-spec-key"
STORAGE_CONTAINER_NAME_ANNOTATION_KEY = INTERNAL_PREFIX + "/storage-container-name"
LOGGER_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/logger"
LOGGER_SINK_URL_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/logger-sink-url"
LOGGER_MODE_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/logger-mode"
LOGGER_METADATA_HEADERS_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/logger-metadata-headers"
LOGGER_METADATA_ANNOTATIONS_INTERNAL_ANNOTATION_KEY = (
    INTERNAL_PREFIX + "/logger-metadata-annotations"
)
BATCHER_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/batcher"
BATCHER_MAX_BATCH_SIZE_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/batcher-max-batchsize"
BATCHER_MAX_LATENCY_INTERNAL_ANNOTATION_KEY = INTERNAL_PREFIX + "/batcher-max-latency"
AGENT_SHOULD_INJECT_ANNOTATION_KEY = INTERNAL_PREFIX + "/agent"
PREDICTOR_HOST_ANNOTATION_KEY = INTERNAL_PREFIX + "/predictor-host"
PREDICTOR_PROTOCOL_ANNOTATION_KEY = INTERNAL_PREFIX + "/predictor-protocol"
LOCAL_MODEL_LABEL = INTERNAL_PREFIX + "/localmodel"
LOCAL_MODEL_NAMESPACE_LABEL = INTERNAL_PREFIX + "/localmodel-namespace"
LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY = INTERNAL_PREFIX + "/localmodel-sourceuri"
LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY = INTERNAL_PREFIX + "/localmodel-pvc-name"
CONFIDENTIAL_ENABLED_ANNOTATION_KEY = INTERNAL_PREFIX + "/confidential-enabled"
CONFIDENTIAL_RESOURCE_ID_ANNOTATION_KEY = INTERNAL_PREFIX + "/confidential-resource-id"
AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY = INTERNAL_PREFIX + "/configVolumeName"
AGENT_MODEL_CONFIG_MOUNT_PATH_ANNOTATION_KEY = INTERNAL_PREFIX + "/configMountPath"
AGENT_MODEL_DIR_ANNOTATION_KEY = INTERNAL_PREFIX + "/modelDir"

# Built into NewInferenceServicesConfig, prepended to the configured lists.
SERVICE_ANNOTATION_DISALLOWED_LIST = (
    KNATIVE_MIN_SCALE_ANNOTATION_KEY,
    KNATIVE_MAX_SCALE_ANNOTATION_KEY,
    STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY,
    LAST_APPLIED_CONFIG_ANNOTATION_KEY,
    MODEL_FORMAT_ANNOTATION_KEY,
)
REVISION_TEMPLATE_LABEL_DISALLOWED_LIST = (VISIBILITY_LABEL,)


class DeploymentMode(StrEnum):
    """`DeploymentModeType` values after normalisation."""

    KNATIVE = "Knative"
    STANDARD = "Standard"
    MODEL_MESH = "ModelMesh"


LEGACY_SERVERLESS = "Serverless"
LEGACY_RAW_DEPLOYMENT = "RawDeployment"
DEFAULT_DEPLOYMENT = DeploymentMode.STANDARD


def parse_deployment_mode(mode: str) -> str:
    """Port of `ParseDeploymentMode`: "" → Standard, legacy names normalised, others unchanged."""
    if mode == "":
        return DEFAULT_DEPLOYMENT.value
    return {LEGACY_RAW_DEPLOYMENT: "Standard", LEGACY_SERVERLESS: "Knative"}.get(mode, mode)


# --- autoscaler classes ---
AUTOSCALER_CLASS_HPA = "hpa"
AUTOSCALER_CLASS_KPA = "kpa"
AUTOSCALER_CLASS_EXTERNAL = "external"
AUTOSCALER_CLASS_KEDA = "keda"
AUTOSCALER_CLASS_NONE = "none"
DEFAULT_AUTOSCALER_CLASS = AUTOSCALER_CLASS_HPA
AUTOSCALER_ALLOWED_CLASS_LIST = (
    AUTOSCALER_CLASS_HPA,
    AUTOSCALER_CLASS_EXTERNAL,
    AUTOSCALER_CLASS_KEDA,
    AUTOSCALER_CLASS_NONE,
)
DEFAULT_CPU_UTILIZATION = 80
DEFAULT_MIN_REPLICAS = 1
AUTO_SCALER_METRICS_CPU = "cpu"
AUTO_SCALER_METRICS_MEMORY = "memory"
AUTO_SCALER_KPA_METRICS_RPS = "rps"
AUTO_SCALER_KPA_METRICS_CONCURRENCY = "concurrency"
AUTOSCALER_ALLOWED_HPA_METRICS_LIST = (AUTO_SCALER_METRICS_CPU, AUTO_SCALER_METRICS_MEMORY)
AUTOSCALER_ALLOWED_KPA_METRICS_LIST = (
    AUTO_SCALER_KPA_METRICS_CONCURRENCY,
    AUTO_SCALER_KPA_METRICS_RPS,
)
OTEL_BACKEND = "opentelemetry"
AUTO_SCALER_METRICS_SOURCE_PROMETHEUS = "prometheus"
AUTO_SCALER_METRICS_SOURCE_GRAPHITE = "graphite"
AUTO_SCALER_METRICS_SOURCE_OPEN_TELEMETRY = "opentelemetry"

# --- GPUs ---
NVIDIA_GPU_RESOURCE_TYPE = "nvidia.com/gpu"
NVIDIA_MIG_GPU_RESOURCE_TYPE_PREFIX = "nvidia.com/mig"
AMD_GPU_RESOURCE_TYPE = "amd.com/gpu"
INTEL_GPU_RESOURCE_TYPE = "intel.com/gpu"
GAUDI_GPU_RESOURCE_TYPE = "habana.ai/gaudi"
DEFAULT_GPU_RESOURCE_TYPE_LIST = (
    NVIDIA_GPU_RESOURCE_TYPE,
    AMD_GPU_RESOURCE_TYPE,
    INTEL_GPU_RESOURCE_TYPE,
    GAUDI_GPU_RESOURCE_TYPE,
)

# --- protocols ---
PROTOCOL_V1 = "v1"
PROTOCOL_V2 = "v2"
PROTOCOL_GRPC_V1 = "grpc-v1"
PROTOCOL_GRPC_V2 = "grpc-v2"
PROTOCOL_VERSION_ENV = "PROTOCOL_VERSION"
# GetProtocolVersionInt: the rank used to order runtimes; anything else is Unknown (5).
PROTOCOL_VERSION_RANK = {PROTOCOL_V1: 1, PROTOCOL_V2: 2, PROTOCOL_GRPC_V1: 3, PROTOCOL_GRPC_V2: 4}
PROTOCOL_VERSION_UNKNOWN_RANK = 5

# --- ports, paths, container names ---
INFERENCE_SERVICE_DEFAULT_HTTP_PORT = "8080"
INFERENCE_SERVICE_DEFAULT_AGENT_PORT = 9081
COMMON_DEFAULT_HTTP_PORT = 80
DEFAULT_MODEL_LOCAL_MOUNT_PATH = "/mnt/models"
INFERENCE_SERVICE_CONTAINER_NAME = "kserve-container"
TRANSFORMER_CONTAINER_NAME = "transformer-container"
WORKER_CONTAINER_NAME = "worker-container"
STORAGE_INITIALIZER_CONTAINER_NAME = "storage-initializer"
DEFAULT_BLOCKED_ENV_VARS = ("PYTHONPATH",)  # pkg/validation: DefaultBlockedEnvVars
AGENT_CONTAINER_NAME = "agent"
CUSTOM_SPEC_STORAGE_URI_ENV_VAR_KEY = "STORAGE_URI"
CUSTOM_SPEC_PROTOCOL_ENV_VAR_KEY = "PROTOCOL"
TENSOR_PARALLEL_SIZE_ENV_NAME = "TENSOR_PARALLEL_SIZE"
PIPELINE_PARALLEL_SIZE_ENV_NAME = "PIPELINE_PARALLEL_SIZE"
RAY_NODE_COUNT_ENV_NAME = "RAY_NODE_COUNT"
REQUEST_GPU_COUNT_ENV_NAME = "REQUEST_GPU_COUNT"
DEFAULT_TENSOR_PARALLEL_SIZE = 1
DEFAULT_PIPELINE_PARALLEL_SIZE = 1
CLUSTER_LOCAL_DOMAIN = "svc.cluster.local"
ISVC_NAME_HEADER = "KServe-Isvc-Name"
ISVC_NAMESPACE_HEADER = "KServe-Isvc-Namespace"
SERVICE_KIND = "Service"
GATEWAY_KIND = "Gateway"
# ExplainPrefix, FallbackPrefix, PathBasedExplainPrefix (functions in Go): route regexes.
EXPLAIN_PREFIX = r"^/v1/models/[\w-]+:explain$"
FALLBACK_PREFIX = "^/.*$"
PATH_BASED_EXPLAIN_PREFIX = r"(/v1/models/[\w-]+:explain)$"
HOST_HEADER = "Host"
KNATIVE_LOCAL_GATEWAY = "knative-serving/knative-local-gateway"
KNATIVE_INGRESS_GATEWAY = "knative-serving/knative-ingress-gateway"
ISTIO_MESH_GATEWAY = "mesh"
QUEUE_PROXY_CONTAINER_NAME = "queue-proxy"
MODELCAR_CONTAINER_NAME = "modelcar"
MODELCAR_INIT_CONTAINER_NAME = "modelcar-init"
STORAGE_INITIALIZER_VOLUME_NAME = "kserve-provision-location"
PVC_SOURCE_MOUNT_NAME = "kserve-pvc-source"
PVC_URI_PREFIX = "pvc://"
OCI_URI_PREFIX = "oci://"
OCI_NATIVE_URI_PREFIX = "oci+native://"
MODEL_CONFIG_VOLUME_NAME = "model-config"
MODEL_DIR_VOLUME_NAME = "model-dir"
MODEL_CONFIG_DIR = "/mnt/configs"
DEFAULT_GLOBAL_CA_BUNDLE_CONFIG_MAP_NAME = "global-ca-bundle"
DEFAULT_CA_BUNDLE_FILE_NAME = "cabundle.crt"
DEFAULT_CA_BUNDLE_VOLUME_MOUNT_PATH = "/etc/ssl/custom-certs"
DEFAULT_PROMETHEUS_PATH = "/metrics"

# --- built-in runtimes and server types ---
SKLEARN_SERVER = "kserve-sklearnserver"
MLSERVER = "kserve-mlserver"
TF_SERVING = "kserve-tensorflow-serving"
XGB_SERVER = "kserve-xgbserver"
TORCHSERVE = "kserve-torchserve"
TRITON_SERVER = "kserve-tritonserver"
PMML_SERVER = "kserve-pmmlserver"
LGB_SERVER = "kserve-lgbserver"
PADDLE_SERVER = "kserve-paddleserver"
HUGGINGFACE_SERVER = "kserve-huggingfaceserver"
VLLM_SERVER = "kserve-vllmserver"

SERVER_TYPE_MLSERVER = "mlserver"
SERVER_TYPE_TRITON_SERVER = "tritonserver"
SERVER_TYPE_TORCHSERVE = "torchserve"
SERVER_TYPE_TENSORFLOW_SERVING = "tensorflow-serving"
SERVER_TYPE_HUGGINGFACE_SERVER = "huggingfaceserver"
SERVER_TYPE_VLLM_SERVER = "vllmserver"

# GetServerTypeFromRuntimeName: a table instead of the Go switch.
SERVER_TYPE_BY_RUNTIME_NAME = {
    MLSERVER: SERVER_TYPE_MLSERVER,
    TORCHSERVE: SERVER_TYPE_TORCHSERVE,
    TRITON_SERVER: SERVER_TYPE_TRITON_SERVER,
    TF_SERVING: SERVER_TYPE_TENSORFLOW_SERVING,
    HUGGINGFACE_SERVER: SERVER_TYPE_HUGGINGFACE_SERVER,
    VLLM_SERVER: SERVER_TYPE_VLLM_SERVER,
}


def get_server_type_from_runtime_name(runtime_name: str) -> str:
    """Port of `GetServerTypeFromRuntimeName`."""
    return SERVER_TYPE_BY_RUNTIME_NAME.get(runtime_name, "")


SUPPORTED_MODEL_SKLEARN = "sklearn"
SUPPORTED_MODEL_TENSORFLOW = "tensorflow"
SUPPORTED_MODEL_XGBOOST = "xgboost"
SUPPORTED_MODEL_PYTORCH = "pytorch"
SUPPORTED_MODEL_ONNX = "onnx"
SUPPORTED_MODEL_HUGGINGFACE = "huggingface"
SUPPORTED_MODEL_PMML = "pmml"
SUPPORTED_MODEL_LIGHTGBM = "lightgbm"
SUPPORTED_MODEL_PADDLE = "paddle"
SUPPORTED_MODEL_TRITON = "triton"
SUPPORTED_MODEL_MLFLOW = "mlflow"
SUPPORTED_MODEL_VLLM = "vLLM"
MLSERVER_LOAD_MODELS_STARTUP_ENV = "MLSERVER_LOAD_MODELS_AT_STARTUP"
MLSERVER_MODEL_NAME_ENV = "MLSERVER_MODEL_NAME"
MLSERVER_MODEL_URI_ENV = "MLSERVER_MODEL_URI"
MLSERVER_MODEL_CLASS_SKLEARN = "mlserver_sklearn.SKLearnModel"
MLSERVER_MODEL_CLASS_XGBOOST = "mlserver_xgboost.XGBoostModel"
MLSERVER_MODEL_CLASS_LIGHTGBM = "mlserver_lightgbm.LightGBMModel"
MLSERVER_MODEL_CLASS_MLFLOW = "mlserver_mlflow.MLflowRuntime"
SERVICE_ENVELOPE_KSERVE = "kserve"
SERVICE_ENVELOPE_KSERVE_V2 = "kservev2"


# --- component names ---
PREDICTOR = "predictor"
TRANSFORMER = "transformer"
EXPLAINER = "explainer"
WORKER_NODE_SUFFIX = "worker"
WORKER_NODE_SUFFIX_PLURAL = "workers"


def predictor_service_name(name: str, predictor_name: str = "") -> str:
    """Port of `PredictorServiceName`."""
    if predictor_name:
        return f"{name}-{predictor_name}-{PREDICTOR}"
    return f"{name}-{PREDICTOR}"


def predictor_worker_service_name(name: str) -> str:
    """Port of `PredictorWorkerServiceName`."""
    return f"{name}-{PREDICTOR}-{WORKER_NODE_SUFFIX}"


def transformer_service_name(name: str) -> str:
    """Port of `TransformerServiceName`."""
    return f"{name}-{TRANSFORMER}"


def explainer_service_name(name: str) -> str:
    """Port of `ExplainerServiceName`."""
    return f"{name}-{EXPLAINER}"


def model_config_name(isvc_name: str, shard_id: int) -> str:
    """Port of `ModelConfigName`."""
    return f"modelconfig-{isvc_name}-{shard_id}"


def get_raw_service_label(service: str) -> str:
    """Port of `GetRawServiceLabel`."""
    return "isvc." + service


def get_raw_worker_service_label(service: str) -> str:
    """Port of `GetRawWorkerServiceLabel`."""
    return f"isvc.{service}-{WORKER_NODE_SUFFIX}"


def get_head_service_name(service: str, isvc_generation: str) -> str:
    """Port of `GetHeadServiceName`: `<name without -predictor>-head-<generation>`."""
    return f"{service.removesuffix('-' + PREDICTOR)}-{MULTI_NODE_HEAD}-{isvc_generation}"


def get_worker_service_name(service: str, isvc_generation: str) -> str:
    """Port of `GetWorkerServiceName`: `<name without -predictor>-workers-<generation>`."""
    return f"{service.removesuffix('-' + PREDICTOR)}-{WORKER_NODE_SUFFIX_PLURAL}-{isvc_generation}"

// Command oracle runs KServe v0.20.0's own admission and controller code over folders of YAML
// and prints, per folder, the objects KServe creates (after its pod webhook) or its error texts.
//
// It is the reference side of the differential suite in tests/conformance: no re-implementation,
// only calls into github.com/kserve/kserve against controller-runtime's fake client and
// client-go's fake clientset. Each argument is one folder (a "case") holding the objects a
// cluster would store: the inferenceservice-config ConfigMap, runtimes, storage containers,
// Secrets/ServiceAccounts, the InferenceServices to admit and reconcile and the InferenceGraphs
// to admit and reconcile after them. An optional
// `oracle.json` in the folder sets the Knative domain used for the Knative Services' URLs.
//
// With `llmisvc` as the first argument the cases hold LLMInferenceServices instead, run through
// KServe's LLMInferenceService webhooks and controller (llmisvc.go).
//
// Output: one JSON document per line per case on stdout.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	netcfg "knative.dev/networking/pkg/config"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	knservingv1 "knative.dev/serving/pkg/apis/serving/v1"
	routeconfig "knative.dev/serving/pkg/reconciler/route/config"
	"knative.dev/serving/pkg/reconciler/route/domains"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kserve/kserve/pkg/apis/serving/v1alpha1"
	"github.com/kserve/kserve/pkg/apis/serving/v1beta1"
	"github.com/kserve/kserve/pkg/constants"
	igcontroller "github.com/kserve/kserve/pkg/controller/v1alpha1/inferencegraph"
	tmcontroller "github.com/kserve/kserve/pkg/controller/v1alpha1/trainedmodel"
	"github.com/kserve/kserve/pkg/controller/v1alpha1/trainedmodel/reconcilers/modelconfig"
	isvccontroller "github.com/kserve/kserve/pkg/controller/v1beta1/inferenceservice"
	kservescheme "github.com/kserve/kserve/pkg/scheme"
	"github.com/kserve/kserve/pkg/utils"
	"github.com/kserve/kserve/pkg/webhook/admission/pod"
)

// The kinds the InferenceService controller creates; anything of these kinds in the fake store
// that the case did not seed is reported.
var createdKinds = []schema.GroupVersionKind{
	{Group: "serving.knative.dev", Version: "v1", Kind: "Service"},
	{Group: "networking.istio.io", Version: "v1beta1", Kind: "VirtualService"},
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "", Version: "v1", Kind: "Service"},
	{Group: "", Version: "v1", Kind: "ConfigMap"},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
	{Group: "keda.sh", Version: "v1alpha1", Kind: "ScaledObject"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"},
	{Group: "opentelemetry.io", Version: "v1beta1", Kind: "OpenTelemetryCollector"},
}

// Rounds of reconcile per InferenceService; between rounds the children are marked ready, as
// KServe's controller tests do, so the ingress step (which waits for component URLs) runs.
const reconcileRounds = 3

type itemResult struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Stage     string   `json:"stage,omitempty"` // "default", "validate", "reconcile" or "mutate"
	Error     string   `json:"error,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

type caseResult struct {
	Case    string           `json:"case"`
	Items   []itemResult     `json:"items"`
	Objects []map[string]any `json:"objects"`
	Fatal   string           `json:"fatal,omitempty"` // the harness itself could not run the case
}

type caseOptions struct {
	// Domain replaces config-domain with this one default domain (kserve-gitops --knative-domain).
	Domain string `json:"domain"`
}

func main() {
	// KServe's own log lines on stderr with ORACLE_LOG=1, for diagnosing a case; else none.
	if os.Getenv("ORACLE_LOG") != "" {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	args, run := os.Args[1:], runCase
	if len(args) == 1 && args[0] == "podspec-fields" {
		printPodSpecFields() // gotypes.go
		return
	}
	if len(args) > 0 && args[0] == "yaml-to-json" {
		printYAMLAsJSON(args[1:]) // gotypes.go
		return
	}
	if len(args) > 0 && args[0] == "llmisvc" {
		args, run = args[1:], runLLMCase // LLMInferenceService cases (llmisvc.go)
	}
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "usage: oracle [llmisvc] CASE_DIR...")
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, dir := range args {
		res := run(dir)
		line, err := json.Marshal(res)
		if err != nil {
			line, _ = json.Marshal(caseResult{Case: dir, Fatal: err.Error()})
		}
		out.Write(line)
		out.WriteString("\n")
	}
}

func runCase(dir string) (res caseResult) {
	res = caseResult{Case: dir, Items: []itemResult{}, Objects: []map[string]any{}}
	defer func() {
		if p := recover(); p != nil {
			res.Fatal = fmt.Sprintf("panic: %v", p)
		}
	}()
	docs, opts, err := readCase(dir)
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	h, err := newHarness(docs, opts)
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	for _, isvc := range h.isvcs {
		res.Items = append(res.Items, h.admitAndReconcile(isvc))
	}
	// InferenceGraphs after the InferenceServices they route to, which are ready by then.
	for _, graph := range h.graphs {
		res.Items = append(res.Items, h.admitAndReconcileGraph(graph))
	}
	// TrainedModels after their InferenceServices too, one by one in (namespace, name) order:
	// KServe allocates a parent's memory in the order its controller happens to reconcile them,
	// and this is the order kserve-gitops assumes (generator/controllers/trainedmodel.py).
	sort.SliceStable(h.tms, func(i, j int) bool {
		a, b := h.tms[i], h.tms[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	for _, tm := range h.tms {
		res.Items = append(res.Items, h.admitAndReconcileTrainedModel(tm))
	}
	objects, items, err := h.created()
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	res.Items = append(res.Items, items...)
	res.Objects = objects
	return res
}

func readCase(dir string) ([]*unstructured.Unstructured, caseOptions, error) {
	opts := caseOptions{}
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, opts, err
	}
	sort.Strings(files)
	if raw, err := os.ReadFile(filepath.Join(dir, "oracle.json")); err == nil {
		if err := json.Unmarshal(raw, &opts); err != nil {
			return nil, opts, fmt.Errorf("oracle.json: %w", err)
		}
	}
	var docs []*unstructured.Unstructured
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, opts, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, opts, fmt.Errorf("%s: %w", path, err)
			}
			if len(obj) == 0 {
				continue
			}
			docs = append(docs, &unstructured.Unstructured{Object: obj})
		}
	}
	return docs, opts, nil
}

type harness struct {
	scheme    *runtime.Scheme
	client    client.Client
	clientset *kubefake.Clientset
	isvcs     []*v1beta1.InferenceService
	graphs    []*v1alpha1.InferenceGraph
	tms       []*v1alpha1.TrainedModel
	seeded    map[string]bool
	config    *corev1.ConfigMap
	// Knative's route configuration, for the URLs the harness gives ready Knative Services.
	routes *routeconfig.Config
}

func key(gvk schema.GroupVersionKind, namespace, name string) string {
	return gvk.GroupKind().String() + "/" + namespace + "/" + name
}

func newHarness(docs []*unstructured.Unstructured, opts caseOptions) (*harness, error) {
	s := runtime.NewScheme()
	if err := kservescheme.AddAll(s); err != nil {
		return nil, err
	}
	h := &harness{scheme: s, seeded: map[string]bool{}}
	configDomain := map[string]string{"example.com": ""} // as KServe's quick install patches Knative
	configNetwork := map[string]string{}
	var seed []client.Object
	var core []runtime.Object
	hasAutoscalerConfig := false
	for _, u := range docs {
		gvk := u.GroupVersionKind()
		if gvk.Kind == "InferenceService" {
			isvc := &v1beta1.InferenceService{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, isvc); err != nil {
				return nil, fmt.Errorf("InferenceService %s: %w", u.GetName(), err)
			}
			if isvc.Namespace == "" {
				isvc.Namespace = "default"
			}
			h.isvcs = append(h.isvcs, isvc)
			continue
		}
		if gvk.Kind == "InferenceGraph" {
			graph := &v1alpha1.InferenceGraph{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, graph); err != nil {
				return nil, fmt.Errorf("InferenceGraph %s: %w", u.GetName(), err)
			}
			if graph.Namespace == "" {
				graph.Namespace = "default"
			}
			h.graphs = append(h.graphs, graph)
			continue
		}
		if gvk.Kind == "TrainedModel" {
			tm := &v1alpha1.TrainedModel{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, tm); err != nil {
				return nil, fmt.Errorf("TrainedModel %s: %w", u.GetName(), err)
			}
			if tm.Namespace == "" {
				tm.Namespace = "default"
			}
			h.tms = append(h.tms, tm)
			continue
		}
		typed, err := s.New(gvk)
		if err != nil {
			continue // a kind KServe does not read (passed through by the generator)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
			return nil, fmt.Errorf("%s %s: %w", gvk.Kind, u.GetName(), err)
		}
		obj, ok := typed.(client.Object)
		if !ok {
			continue
		}
		if obj.GetNamespace() == "" && namespaced(gvk) {
			obj.SetNamespace("default")
		}
		if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Namespace == "knative-serving" && cm.Name == routeconfig.DomainConfigName {
			configDomain = cm.Data // seeded below, after a --knative-domain override
			continue
		}
		h.seeded[key(gvk, obj.GetNamespace(), obj.GetName())] = true
		seed = append(seed, obj)
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			core = append(core, o.DeepCopy())
			if o.Name == constants.InferenceServiceConfigMapName && o.Namespace == constants.KServeNamespace {
				h.config = o.DeepCopy()
			}
			if o.Name == constants.AutoscalerConfigmapName && o.Namespace == constants.AutoscalerConfigmapNamespace {
				hasAutoscalerConfig = true
			}
			if o.Namespace == "knative-serving" && o.Name == netcfg.ConfigMapName {
				configNetwork = o.Data
			}
		case *corev1.Secret:
			// The API server merges stringData into data when it stores a Secret (a write-only
			// convenience field); the fake client and clientset keep it apart.
			for k, v := range o.StringData {
				if o.Data == nil {
					o.Data = map[string][]byte{}
				}
				o.Data[k] = []byte(v)
			}
			o.StringData = nil
			core = append(core, o.DeepCopy())
		case *corev1.ServiceAccount:
			core = append(core, o.DeepCopy())
		case *v1alpha1.ClusterStorageContainer:
			// The API server applies the CRD's default (+kubebuilder:default="initContainer",
			// storage_container_types.go) before KServe lists the object; the fake client does not.
			if o.Spec.WorkloadType == "" {
				o.Spec.WorkloadType = v1alpha1.InitContainer
			}
		}
	}
	if opts.Domain != "" {
		configDomain = map[string]string{opts.Domain: ""}
	}
	// config-domain as the cluster has it: KServe lists its keys for the VirtualService's
	// additional hosts (ingress_reconciler.go getDomainList), Knative picks route domains from it.
	domainCM := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: routeconfig.DomainConfigName, Namespace: "knative-serving"},
		Data:       configDomain,
	}
	core = append(core, domainCM.DeepCopy())
	seed = append(seed, domainCM.DeepCopy())
	h.seeded[key(corev1.SchemeGroupVersion.WithKind("ConfigMap"), domainCM.Namespace, domainCM.Name)] = true
	domain, err := routeconfig.NewDomainFromConfigMap(domainCM)
	if err != nil {
		return nil, fmt.Errorf("config-domain: %w", err)
	}
	network, err := netcfg.NewConfigFromMap(configNetwork)
	if err != nil {
		return nil, fmt.Errorf("config-network: %w", err)
	}
	h.routes = &routeconfig.Config{Domain: domain, Network: network}
	if h.config == nil {
		return nil, fmt.Errorf("no ConfigMap %s/%s in the case", constants.KServeNamespace, constants.InferenceServiceConfigMapName)
	}
	if !hasAutoscalerConfig {
		// Knative's install always has config-autoscaler; KServe reads allow-zero-initial-scale from it.
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: constants.AutoscalerConfigmapName, Namespace: constants.AutoscalerConfigmapNamespace}}
		core = append(core, cm)
		seed = append(seed, cm.DeepCopy())
		h.seeded[key(corev1.SchemeGroupVersion.WithKind("ConfigMap"), cm.Namespace, cm.Name)] = true
	}
	h.client = fake.NewClientBuilder().WithScheme(s).WithObjects(seed...).
		WithStatusSubresource(&v1beta1.InferenceService{}, &knservingv1.Service{}, &appsv1.Deployment{}, &v1alpha1.InferenceGraph{}, &v1alpha1.TrainedModel{}).
		Build()
	h.clientset = kubefake.NewSimpleClientset(core...)
	// Discovery: Knative Serving's Service kind is served (the controller checks before it
	// reconciles in Knative mode); utils caches discovery results and exports the setter for tests.
	utils.SetAvailableResourcesForApi(knservingv1.SchemeGroupVersion.String(), &metav1.APIResourceList{
		GroupVersion: knservingv1.SchemeGroupVersion.String(),
		APIResources: []metav1.APIResource{{Name: "services", Namespaced: true, Kind: constants.KnativeServiceKind}},
	})
	return h, nil
}

func namespaced(gvk schema.GroupVersionKind) bool {
	switch gvk.Kind {
	case "ClusterServingRuntime", "ClusterStorageContainer", "Namespace", "ClusterLocalModel",
		"LocalModelCache", "LocalModelNode", "LocalModelNodeGroup", "ClusterRole",
		"ClusterRoleBinding", "GatewayClass", "DeviceClass", "CustomResourceDefinition",
		"PersistentVolume", "StorageClass", "PriorityClass":
		return false
	}
	return true
}

// localModelCaches: the lists InferenceServiceDefaulter.Default fetches (nil unless local
// models are enabled and the InferenceService lacks the disable annotation).
func (h *harness) localModelCaches(ctx context.Context, isvc *v1beta1.InferenceService) (*v1alpha1.LocalModelCacheList, *v1alpha1.LocalModelNamespaceCacheList, error) {
	localModelConfig, err := v1beta1.NewLocalModelConfig(h.config)
	if err != nil {
		return nil, nil, err
	}
	if _, disabled := isvc.Annotations[constants.DisableLocalModelKey]; disabled || !localModelConfig.Enabled {
		return nil, nil, nil
	}
	models := &v1alpha1.LocalModelCacheList{}
	if err := h.client.List(ctx, models); err != nil {
		return nil, nil, err
	}
	nsModels := &v1alpha1.LocalModelNamespaceCacheList{}
	if err := h.client.List(ctx, nsModels, client.InNamespace(isvc.Namespace)); err != nil {
		return nil, nil, err
	}
	return models, nsModels, nil
}

// admitAndReconcile: the defaulting webhook, the validating webhook, then the controller.
func (h *harness) admitAndReconcile(isvc *v1beta1.InferenceService) itemResult {
	ctx := context.Background()
	item := itemResult{Kind: "InferenceService", Namespace: isvc.Namespace, Name: isvc.Name}
	isvcConfig, err := v1beta1.NewInferenceServicesConfig(h.config)
	if err != nil {
		item.Stage, item.Error = "default", err.Error()
		return item
	}
	deployConfig, err := v1beta1.NewDeployConfig(h.config)
	if err != nil {
		item.Stage, item.Error = "default", err.Error()
		return item
	}
	securityConfig, err := v1beta1.NewSecurityConfig(h.config)
	if err != nil {
		item.Stage, item.Error = "default", err.Error()
		return item
	}
	// The CRD's default for a storage URI's mountPath (+kubebuilder:default="/mnt/models" in
	// predictor.go), which the API server applies before the webhooks; the fake client does not.
	uriLists := []*[]v1beta1.StorageUri{&isvc.Spec.Predictor.StorageUris}
	if isvc.Spec.Transformer != nil {
		uriLists = append(uriLists, &isvc.Spec.Transformer.StorageUris)
	}
	if isvc.Spec.Explainer != nil {
		uriLists = append(uriLists, &isvc.Spec.Explainer.StorageUris)
	}
	for _, uris := range uriLists {
		for i := range *uris {
			if (*uris)[i].MountPath == "" {
				(*uris)[i].MountPath = "/mnt/models"
			}
		}
	}
	// InferenceServiceDefaulter.Default builds its own cluster client, lists the local model
	// caches when localModel.enabled (and the isvc does not opt out), then calls exactly this
	// with the ConfigMap's configs; here the lists come from the case's objects.
	models, nsModels, err := h.localModelCaches(ctx, isvc)
	if err != nil {
		item.Stage, item.Error = "default", err.Error()
		return item
	}
	isvc.DefaultInferenceService(isvcConfig, deployConfig, securityConfig, models, nsModels)
	warnings, err := (&v1beta1.InferenceServiceValidator{}).ValidateCreate(ctx, isvc)
	for _, w := range warnings {
		item.Warnings = append(item.Warnings, w)
	}
	if err != nil {
		item.Stage, item.Error = "validate", err.Error()
		return item
	}
	// The API server sets generation 1 on create; the fake client does not.
	isvc.Generation = 1
	if err := h.client.Create(ctx, isvc); err != nil {
		item.Stage, item.Error = "create", err.Error()
		return item
	}
	r := &isvccontroller.InferenceServiceReconciler{
		Client:                  h.client,
		Clientset:               h.clientset,
		Log:                     ctrl.Log.WithName("oracle"),
		Scheme:                  h.scheme,
		Recorder:                &record.FakeRecorder{}, // nil channel: events are dropped
		VirtualServiceAvailable: true,
	}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: isvc.Namespace, Name: isvc.Name}}
	var lastErr error
	for round := 0; round < reconcileRounds; round++ {
		_, lastErr = r.Reconcile(ctx, req)
		if err := h.markChildrenReady(ctx, isvc.Namespace); err != nil {
			item.Stage, item.Error = "harness", err.Error()
			return item
		}
		if err := h.syncConfigMaps(ctx, isvc.Namespace); err != nil {
			item.Stage, item.Error = "harness", err.Error()
			return item
		}
	}
	if lastErr != nil {
		item.Stage, item.Error = "reconcile", lastErr.Error()
	}
	return item
}

// admitAndReconcileGraph runs an InferenceGraph through KServe's validating webhook (it has no
// defaulting one) and then its controller, marking the children ready between rounds.
func (h *harness) admitAndReconcileGraph(graph *v1alpha1.InferenceGraph) itemResult {
	ctx := context.Background()
	item := itemResult{Kind: "InferenceGraph", Namespace: graph.Namespace, Name: graph.Name}
	warnings, err := (&v1alpha1.InferenceGraphValidator{}).ValidateCreate(ctx, graph)
	for _, w := range warnings {
		item.Warnings = append(item.Warnings, w)
	}
	if err != nil {
		item.Stage, item.Error = "validate", err.Error()
		return item
	}
	graph.Generation = 1
	if err := h.client.Create(ctx, graph); err != nil {
		item.Stage, item.Error = "create", err.Error()
		return item
	}
	r := &igcontroller.InferenceGraphReconciler{
		Client:    h.client,
		Clientset: h.clientset,
		Log:       ctrl.Log.WithName("oracle"),
		Scheme:    h.scheme,
		Recorder:  &record.FakeRecorder{},
	}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: graph.Namespace, Name: graph.Name}}
	var lastErr error
	for round := 0; round < reconcileRounds; round++ {
		_, lastErr = r.Reconcile(ctx, req)
		if err := h.markChildrenReady(ctx, graph.Namespace); err != nil {
			item.Stage, item.Error = "harness", err.Error()
			return item
		}
	}
	if lastErr != nil {
		item.Stage, item.Error = "reconcile", lastErr.Error()
	}
	return item
}

// admitAndReconcileTrainedModel runs a TrainedModel through KServe's validating webhook (it has
// no defaulting one) and once through its controller, which adds it to the parent's model
// ConfigMap when the parent is ready, multi-model and has the memory, and fails otherwise.
func (h *harness) admitAndReconcileTrainedModel(tm *v1alpha1.TrainedModel) itemResult {
	ctx := context.Background()
	item := itemResult{Kind: "TrainedModel", Namespace: tm.Namespace, Name: tm.Name}
	warnings, err := (&v1alpha1.TrainedModelValidator{}).ValidateCreate(ctx, tm)
	for _, w := range warnings {
		item.Warnings = append(item.Warnings, w)
	}
	if err != nil {
		item.Stage, item.Error = "validate", err.Error()
		return item
	}
	tm.Generation = 1
	if err := h.client.Create(ctx, tm); err != nil {
		item.Stage, item.Error = "create", err.Error()
		return item
	}
	if err := h.syncConfigMaps(ctx, tm.Namespace); err != nil {
		item.Stage, item.Error = "harness", err.Error()
		return item
	}
	r := &tmcontroller.TrainedModelReconciler{
		Client:                h.client,
		Clientset:             h.clientset,
		Log:                   ctrl.Log.WithName("oracle"),
		Scheme:                h.scheme,
		Recorder:              &record.FakeRecorder{},
		ModelConfigReconciler: modelconfig.NewModelConfigReconciler(h.client, h.clientset, h.scheme),
	}
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: tm.Namespace, Name: tm.Name}}
	if _, err := r.Reconcile(ctx, req); err != nil {
		item.Stage, item.Error = "reconcile", err.Error()
	}
	return item
}

// syncConfigMaps makes the clientset's ConfigMaps of `namespace` what the controller-runtime
// client holds; a real cluster serves both from the same API server. The CA bundle reconciler
// reads global-ca-bundle through the clientset and creates it through the client; the model
// config reconciler reads a model ConfigMap through the clientset and updates it through the
// client.
func (h *harness) syncConfigMaps(ctx context.Context, namespace string) error {
	cms := &corev1.ConfigMapList{}
	if err := h.client.List(ctx, cms, client.InNamespace(namespace)); err != nil {
		return err
	}
	for i := range cms.Items {
		cm := cms.Items[i].DeepCopy()
		cm.ResourceVersion = ""
		_, err := h.clientset.CoreV1().ConfigMaps(namespace).Update(ctx, cm, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			_, err = h.clientset.CoreV1().ConfigMaps(namespace).Create(ctx, cm, metav1.CreateOptions{})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// markChildrenReady does what Knative and the Deployment controller would: Knative Services get
// a URL, an address, a revision and Ready conditions (as in controller_test.go), Deployments
// become Available (as in rawkube_controller_test.go).
func (h *harness) markChildrenReady(ctx context.Context, namespace string) error {
	ksvcs := &knservingv1.ServiceList{}
	if err := h.client.List(ctx, ksvcs, client.InNamespace(namespace)); err != nil {
		return err
	}
	for i := range ksvcs.Items {
		ksvc := ksvcs.Items[i].DeepCopy()
		// The host Knative's route reconciler would give it (Knative's own code).
		host, err := domains.DomainNameFromTemplate(routeconfig.ToContext(ctx, h.routes), ksvc.ObjectMeta, ksvc.Name)
		if err != nil {
			return err
		}
		scheme := h.routes.Network.DefaultExternalScheme
		if domains.IsClusterLocal(host) {
			scheme = "http"
		}
		url := domains.URL(scheme, host)
		revision := ksvc.Name + "-00001"
		if ksvc.Spec.Template.Name != "" {
			revision = ksvc.Spec.Template.Name
		}
		ksvc.Status.LatestCreatedRevisionName = revision
		ksvc.Status.LatestReadyRevisionName = revision
		ksvc.Status.URL = url
		ksvc.Status.Address = &duckv1.Addressable{URL: &apis.URL{Scheme: "http", Host: ksvc.Name + "." + ksvc.Namespace + ".svc.cluster.local"}}
		ksvc.Status.Conditions = duckv1.Conditions{
			{Type: knservingv1.ServiceConditionReady, Status: corev1.ConditionTrue},
			{Type: knservingv1.ServiceConditionRoutesReady, Status: corev1.ConditionTrue},
			{Type: knservingv1.ServiceConditionConfigurationsReady, Status: corev1.ConditionTrue},
		}
		if err := h.client.Status().Update(ctx, ksvc); err != nil {
			return err
		}
	}
	deployments := &appsv1.DeploymentList{}
	if err := h.client.List(ctx, deployments, client.InNamespace(namespace)); err != nil {
		return err
	}
	for i := range deployments.Items {
		d := deployments.Items[i].DeepCopy()
		d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue}}
		if err := h.client.Status().Update(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// created lists what the controller made, with the pod webhook applied to each workload's pod
// template (a Deployment's template; a Knative Service's revision template).
func (h *harness) created() ([]map[string]any, []itemResult, error) {
	ctx := context.Background()
	var objects []map[string]any
	var items []itemResult
	mutator := &pod.Mutator{Client: h.client, Clientset: h.clientset, Decoder: admission.NewDecoder(h.scheme)}
	for _, gvk := range createdKinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := h.client.List(ctx, list); err != nil {
			return nil, nil, fmt.Errorf("list %s: %w", gvk, err)
		}
		for i := range list.Items {
			u := &list.Items[i]
			if h.seeded[key(gvk, u.GetNamespace(), u.GetName())] {
				continue
			}
			obj := u.Object
			var err error
			switch {
			case gvk.Kind == "Deployment":
				obj, err = h.mutateDeployment(ctx, mutator, u)
			case gvk.Kind == "Service" && gvk.Group == "serving.knative.dev":
				obj, err = h.mutateKnativeService(ctx, mutator, u)
			}
			if err != nil {
				// The pod webhook refuses the workload's pods: the InferenceService never gets
				// ready. Reported under the InferenceService the workload belongs to, which is
				// what a render refuses instead.
				owner := u.GetName()
				if isvc, ok := u.GetLabels()[constants.InferenceServicePodLabelKey]; ok {
					owner = isvc
				}
				items = append(items, itemResult{Kind: gvk.Kind, Namespace: u.GetNamespace(), Name: owner, Stage: "mutate", Error: err.Error()})
				continue
			}
			obj["apiVersion"] = gvk.GroupVersion().String()
			obj["kind"] = gvk.Kind
			objects = append(objects, obj)
		}
	}
	return objects, items, nil
}

func (h *harness) mutateDeployment(ctx context.Context, m *pod.Mutator, u *unstructured.Unstructured) (map[string]any, error) {
	d := &appsv1.Deployment{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, d); err != nil {
		return nil, err
	}
	meta, spec, err := h.mutatePod(ctx, m, d.Namespace, d.Spec.Template.ObjectMeta, d.Spec.Template.Spec)
	if err != nil {
		return nil, err
	}
	d.Spec.Template.ObjectMeta, d.Spec.Template.Spec = meta, spec
	return toMap(d)
}

func (h *harness) mutateKnativeService(ctx context.Context, m *pod.Mutator, u *unstructured.Unstructured) (map[string]any, error) {
	ksvc := &knservingv1.Service{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, ksvc); err != nil {
		return nil, err
	}
	tmpl := &ksvc.Spec.Template
	meta, spec, err := h.mutatePod(ctx, m, ksvc.Namespace, tmpl.ObjectMeta, tmpl.Spec.PodSpec)
	if err != nil {
		return nil, err
	}
	tmpl.ObjectMeta, tmpl.Spec.PodSpec = meta, spec
	return toMap(ksvc)
}

// mutatePod sends the pod a workload would create through pod.Mutator.Handle, as the API server
// does at admission, and applies the JSON patch it answers with.
func (h *harness) mutatePod(ctx context.Context, m *pod.Mutator, namespace string, meta metav1.ObjectMeta, spec corev1.PodSpec) (metav1.ObjectMeta, corev1.PodSpec, error) {
	// A ReplicaSet's pod gets the template's labels and annotations and a generateName; its
	// name is not set yet when the webhook sees it (k8s.io/kubernetes pkg/controller
	// controller_utils.go GetPodFromTemplate).
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels, Annotations: meta.Annotations},
		Spec:       *spec.DeepCopy(),
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return meta, spec, err
	}
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       "oracle",
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: namespace,
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: raw},
	}}
	resp := m.Handle(ctx, req)
	if !resp.Allowed {
		msg := "denied"
		if resp.Result != nil {
			msg = resp.Result.Message
		}
		return meta, spec, errors.New(msg)
	}
	if len(resp.Patches) == 0 {
		return meta, spec, nil
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		return meta, spec, err
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		return meta, spec, err
	}
	patched, err := patch.Apply(raw)
	if err != nil {
		return meta, spec, err
	}
	out := &corev1.Pod{}
	if err := json.Unmarshal(patched, out); err != nil {
		return meta, spec, err
	}
	result := *meta.DeepCopy()
	result.Labels, result.Annotations = out.Labels, out.Annotations
	return result, out.Spec, nil
}

func toMap(obj any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(raw, &m)
	return m, err
}

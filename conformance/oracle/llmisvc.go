package main

// The LLMInferenceService side of the oracle (`oracle llmisvc CASE_DIR...`): per case, each
// LLMInferenceService goes through KServe v0.20.0's mutating webhook
// (pkg/webhook/admission/llminferenceservice), its validating webhook (v1alpha1 or v1alpha2,
// as the object was written), the conversion to the v1alpha2 storage version, and then
// LLMISVCReconciler.Reconcile (pkg/controller/v1alpha2/llmisvc) on the fake client. The case
// folder holds the cluster's state as for the InferenceService cases (the Python side writes
// it: inferenceservice-config, the presets in `kserve`, Gateways, ServiceAccounts).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kserve/kserve/pkg/apis/serving/v1alpha1"
	"github.com/kserve/kserve/pkg/apis/serving/v1alpha2"
	"github.com/kserve/kserve/pkg/controller/v1alpha2/llmisvc"
	kservescheme "github.com/kserve/kserve/pkg/scheme"
	llmwebhook "github.com/kserve/kserve/pkg/webhook/admission/llminferenceservice"
)

// The kinds the LLMInferenceService controller creates (its Owns() in controller.go
// SetupWithManager, plus the RBAC of the scheduler and the routing sidecar).
var llmCreatedKinds = []schema.GroupVersionKind{
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Group: "", Version: "v1", Kind: "Service"},
	{Group: "", Version: "v1", Kind: "ServiceAccount"},
	{Group: "", Version: "v1", Kind: "Secret"},
	{Group: "", Version: "v1", Kind: "ConfigMap"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "RoleBinding"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRoleBinding"},
	{Group: "inference.networking.k8s.io", Version: "v1", Kind: "InferencePool"},
	{Group: "inference.networking.x-k8s.io", Version: "v1alpha2", Kind: "InferencePool"},
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"},
	{Group: "leaderworkerset.x-k8s.io", Version: "v1", Kind: "LeaderWorkerSet"},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"},
	{Group: "resource.k8s.io", Version: "v1", Kind: "ResourceClaimTemplate"},
	{Group: "llmd.ai", Version: "v1alpha1", Kind: "VariantAutoscaling"},
	{Group: "keda.sh", Version: "v1alpha1", Kind: "ScaledObject"},
}

// routeGroupIndex is the field KServe's manager indexes LLMInferenceServices by
// (router_group.go: setupGroupFieldIndex) to list a routing group's members.
const routeGroupIndex = ".spec.router.route.group"

func routeGroupOf(obj client.Object) []string {
	svc, ok := obj.(*v1alpha2.LLMInferenceService)
	if !ok || svc.Spec.Router == nil || svc.Spec.Router.Route == nil || svc.Spec.Router.Route.Group == nil {
		return nil
	}
	return []string{svc.Namespace + "/" + *svc.Spec.Router.Route.Group}
}

// Rounds of reconcile per service: one creates every child of a single-node service (no child
// waits for another's status); each further round only regenerates the self-signed key
// (4096-bit RSA, the bulk of the harness's time).
const llmReconcileRounds = 1

func runLLMCase(dir string) (res caseResult) {
	res = caseResult{Case: dir, Items: []itemResult{}, Objects: []map[string]any{}}
	defer func() {
		if p := recover(); p != nil {
			res.Fatal = fmt.Sprintf("panic: %v", p)
		}
	}()
	docs, _, err := readCase(dir)
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	s := runtime.NewScheme()
	if err := kservescheme.AddAll(s); err != nil {
		res.Fatal = err.Error()
		return res
	}
	seeded := map[string]bool{}
	var seed []client.Object
	var core []runtime.Object
	var services []client.Object // *v1alpha1 or *v1alpha2 LLMInferenceService, as written
	for _, u := range docs {
		gvk := u.GroupVersionKind()
		typed, err := s.New(gvk)
		if err != nil {
			continue // a kind KServe does not read
		}
		// As the API server decodes a request body: JSON into the typed object.
		raw, err := json.Marshal(u.Object)
		if err == nil {
			err = json.Unmarshal(raw, typed)
		}
		if err != nil {
			res.Fatal = fmt.Sprintf("%s %s: %v", gvk.Kind, u.GetName(), err)
			return res
		}
		obj, ok := typed.(client.Object)
		if !ok {
			continue
		}
		if obj.GetNamespace() == "" && namespaced(gvk) {
			obj.SetNamespace("default")
		}
		switch o := obj.(type) {
		case *v1alpha1.LLMInferenceService, *v1alpha2.LLMInferenceService:
			services = append(services, obj)
			continue
		case *v1alpha1.LLMInferenceServiceConfig:
			// Stored (and read by the controller) as the v1alpha2 hub: KServe's conversion.
			hub := &v1alpha2.LLMInferenceServiceConfig{}
			if err := o.ConvertTo(hub); err != nil {
				res.Fatal = fmt.Sprintf("LLMInferenceServiceConfig %s: %v", o.Name, err)
				return res
			}
			obj = hub
		case *corev1.ConfigMap, *corev1.Secret, *corev1.ServiceAccount:
			core = append(core, obj.DeepCopyObject())
		}
		kind := obj.GetObjectKind().GroupVersionKind()
		if kind.Empty() {
			kind = gvk
		}
		seeded[key(kind, obj.GetNamespace(), obj.GetName())] = true
		seed = append(seed, obj)
	}
	// Discovery: no optional CRD is served (no v1alpha2 InferencePool, no LeaderWorkerSet
	// check needed for a single node); the render's options default the same way.
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	defer server.Close()
	c := fake.NewClientBuilder().WithScheme(s).WithRESTMapper(restMapper(s)).WithObjects(seed...).
		WithStatusSubresource(&v1alpha2.LLMInferenceService{}).
		WithIndex(&v1alpha2.LLMInferenceService{}, routeGroupIndex, routeGroupOf).Build()
	clientset := kubefake.NewSimpleClientset(core...)
	ctx := context.Background()
	r := &llmisvc.LLMISVCReconciler{
		Client:        c,
		Config:        &rest.Config{Host: server.URL},
		EventRecorder: &record.FakeRecorder{}, // nil channel: events are dropped
		Clientset:     clientset,
		Validator: func(ctx context.Context, svc *v1alpha2.LLMInferenceService) error {
			_, err := (&v1alpha2.LLMInferenceServiceValidator{}).ValidateCreate(ctx, svc)
			return err
		},
	}
	// Every service is admitted and created before any is reconciled, as when an input set is
	// applied at once (a routing group lists its members when it reconciles).
	items := make([]itemResult, len(services))
	var created []types.NamespacedName
	for i, obj := range services {
		var name *types.NamespacedName
		items[i], name = admitLLM(ctx, c, clientset, obj)
		if name != nil {
			created = append(created, *name)
		}
	}
	for i, obj := range services {
		if items[i].Error == "" {
			items[i] = reconcileLLM(ctx, c, r, items[i], obj)
		}
	}
	// Routing groups: KServe routes to the members that are routable (RouterReady, ready
	// replicas: router_group.go filterEligibleMembers). Once every member has reconciled (and
	// recorded its InferencePool in status), each reconciles again with its peers ready, as in
	// a converged cluster.
	if grouped := groupMembers(ctx, c, created); len(grouped) > 0 {
		for i, obj := range services {
			if items[i].Error != "" || !grouped[types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}] {
				continue
			}
			if err := markRoutable(ctx, c, grouped); err != nil {
				res.Fatal = err.Error()
				return res
			}
			items[i] = reconcileLLM(ctx, c, r, items[i], obj)
		}
	}
	res.Items = append(res.Items, items...)
	objects, err := listCreated(ctx, c, llmCreatedKinds, seeded)
	if err != nil {
		res.Fatal = err.Error()
		return res
	}
	res.Objects = objects
	return res
}

// admitLLM: the mutating and validating webhooks of the version the object was written in,
// conversion to the storage version, then create.
func admitLLM(ctx context.Context, c client.Client, clientset *kubefake.Clientset, obj client.Object) (itemResult, *types.NamespacedName) {
	item := itemResult{Kind: "LLMInferenceService", Namespace: obj.GetNamespace(), Name: obj.GetName()}
	var hub *v1alpha2.LLMInferenceService
	var warnings admission.Warnings
	var err error
	switch svc := obj.(type) {
	case *v1alpha1.LLMInferenceService:
		d := &llmwebhook.LLMInferenceServiceDefaulterV1Alpha1{Client: c, Clientset: clientset}
		if err := d.Default(ctx, svc); err != nil {
			item.Stage, item.Error = "default", err.Error()
			return item, nil
		}
		warnings, err = (&v1alpha1.LLMInferenceServiceValidator{}).ValidateCreate(ctx, svc)
		if err == nil {
			hub = &v1alpha2.LLMInferenceService{}
			err = svc.ConvertTo(hub)
		}
	case *v1alpha2.LLMInferenceService:
		d := &llmwebhook.LLMInferenceServiceDefaulterV1Alpha2{Client: c, Clientset: clientset}
		if err := d.Default(ctx, svc); err != nil {
			item.Stage, item.Error = "default", err.Error()
			return item, nil
		}
		warnings, err = (&v1alpha2.LLMInferenceServiceValidator{}).ValidateCreate(ctx, svc)
		hub = svc
	}
	item.Warnings = append(item.Warnings, warnings...)
	if err != nil {
		item.Stage, item.Error = "validate", err.Error()
		return item, nil
	}
	hub.Generation = 1 // the API server's, on create
	if err := c.Create(ctx, hub); err != nil {
		item.Stage, item.Error = "create", err.Error()
		return item, nil
	}
	return item, &types.NamespacedName{Namespace: hub.Namespace, Name: hub.Name}
}

// reconcileLLM: the controller on a created service; a reconcile error, or the status
// conditions that stopped it.
func reconcileLLM(ctx context.Context, c client.Client, r *llmisvc.LLMISVCReconciler, item itemResult, obj client.Object) itemResult {
	item.Stage, item.Error = "", ""
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
	var lastErr error
	for round := 0; round < llmReconcileRounds; round++ {
		_, lastErr = r.Reconcile(ctx, req)
	}
	if lastErr != nil {
		item.Stage, item.Error = "reconcile", lastErr.Error()
		return item
	}
	// Problems KServe reports in status without failing the reconcile (a base config that is
	// not found, a router reference it refuses): the conditions that stopped it.
	stored := &v1alpha2.LLMInferenceService{}
	if err := c.Get(ctx, req.NamespacedName, stored); err == nil {
		var stopped []string
		for _, cond := range stored.Status.Conditions {
			if cond.Status == corev1.ConditionFalse && stoppingReason(cond.Reason) {
				stopped = append(stopped, fmt.Sprintf("%s: %s", cond.Reason, cond.Message))
			}
		}
		if len(stopped) > 0 {
			item.Stage, item.Error = "status", strings.Join(stopped, "; ")
		}
	}
	return item
}

// groupMembers: the created services that belong to a routing group.
func groupMembers(ctx context.Context, c client.Client, created []types.NamespacedName) map[types.NamespacedName]bool {
	grouped := map[types.NamespacedName]bool{}
	for _, name := range created {
		svc := &v1alpha2.LLMInferenceService{}
		if err := c.Get(ctx, name, svc); err == nil && routeGroupOf(svc) != nil {
			grouped[name] = true
		}
	}
	return grouped
}

// markRoutable gives each grouped service the status of a ready one: RouterReady and a ready
// primary workload (what isMemberRoutable reads), keeping the rest of its status.
func markRoutable(ctx context.Context, c client.Client, grouped map[types.NamespacedName]bool) error {
	for name := range grouped {
		svc := &v1alpha2.LLMInferenceService{}
		if err := c.Get(ctx, name, svc); err != nil {
			return fmt.Errorf("get %s: %w", name, err)
		}
		conditions := duckv1.Conditions{{Type: v1alpha2.RouterReady, Status: corev1.ConditionTrue}}
		for _, cond := range svc.Status.Conditions {
			if cond.Type != v1alpha2.RouterReady {
				conditions = append(conditions, cond)
			}
		}
		svc.Status.Conditions = conditions
		one := int32(1)
		svc.Status.Workloads = &v1alpha2.WorkloadStatus{Primary: &v1alpha2.ObservedWorkloadStatus{ReadyReplicas: &one}}
		if err := c.Status().Update(ctx, svc); err != nil {
			return fmt.Errorf("status of %s: %w", name, err)
		}
	}
	return nil
}

// stoppingReason: condition reasons that mean the controller stopped before creating children,
// as opposed to waiting for them to become ready.
func stoppingReason(reason string) bool {
	switch reason {
	case "ConfigNotFound", "CombineBaseError", "RefsInvalid", "GatewayPreconditionNotMet":
		return true
	}
	return false
}

// listCreated lists the objects of the given kinds that the case did not seed.
func listCreated(ctx context.Context, c client.Client, kinds []schema.GroupVersionKind, seeded map[string]bool) ([]map[string]any, error) {
	var objects []map[string]any
	for _, gvk := range kinds {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.List(ctx, list); err != nil {
			return nil, fmt.Errorf("list %s: %w", gvk, err)
		}
		sort.Slice(list.Items, func(i, j int) bool {
			return list.Items[i].GetNamespace()+"/"+list.Items[i].GetName() < list.Items[j].GetNamespace()+"/"+list.Items[j].GetName()
		})
		for i := range list.Items {
			u := &list.Items[i]
			if seeded[key(gvk, u.GetNamespace(), u.GetName())] {
				continue
			}
			obj := u.Object
			obj["apiVersion"] = gvk.GroupVersion().String()
			obj["kind"] = gvk.Kind
			objects = append(objects, obj)
		}
	}
	return objects, nil
}

// restMapper knows every kind of the scheme, as a cluster's discovery would (the fake client's
// default mapper is empty, and KServe's Update asks it whether a child is namespaced).
func restMapper(s *runtime.Scheme) meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	for gvk := range s.AllKnownTypes() {
		scope := meta.RESTScopeNamespace
		if !namespaced(gvk) {
			scope = meta.RESTScopeRoot
		}
		m.Add(gvk, scope)
	}
	return m
}

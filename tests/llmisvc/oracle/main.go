package main

// The oracle of tests/llmisvc/test_differential.py: runs KServe v0.20.0's own
// LLMInferenceService reconciler (pkg/controller/v1alpha2/llmisvc) once per service against a
// controller-runtime fake client holding the objects of the YAML stream given as the only
// argument, with a discovery server that reports no v1alpha2 InferencePool CRD, and prints the
// children it created as a JSON list (errors and the services' status on stderr).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	fakeclientset "k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	igwapi "sigs.k8s.io/gateway-api-inference-extension/api/v1"
	gwapiv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/kserve/kserve/pkg/apis/serving/v1alpha2"
	"github.com/kserve/kserve/pkg/controller/v1alpha2/llmisvc"
	kservescheme "github.com/kserve/kserve/pkg/scheme"
)

func main() {
	scheme := runtime.NewScheme()
	if err := kservescheme.AddAll(scheme); err != nil {
		panic(err)
	}
	data, _ := os.ReadFile(os.Args[1])
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []client.Object
	var svcs []types.NamespacedName
	var cms []runtime.Object
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		u := &unstructured.Unstructured{}
		if err := utilyaml.Unmarshal(doc, &u.Object); err != nil || len(u.Object) == 0 {
			continue
		}
		typed, err := scheme.New(u.GroupVersionKind())
		if err != nil {
			panic(err)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
			panic(err)
		}
		obj := typed.(client.Object)
		objs = append(objs, obj)
		if u.GetKind() == "ConfigMap" {
			cms = append(cms, obj.DeepCopyObject())
		}
		if u.GetKind() == "LLMInferenceService" {
			svcs = append(svcs, types.NamespacedName{Namespace: u.GetNamespace(), Name: u.GetName()})
		}
	}
	// discovery: no v1alpha2 InferencePool CRD
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	defer server.Close()
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha2.LLMInferenceService{}).Build()
	r := &llmisvc.LLMISVCReconciler{
		Client:        c,
		Config:        &rest.Config{Host: server.URL},
		EventRecorder: record.NewFakeRecorder(1000),
		Clientset:     fakeclientset.NewSimpleClientset(cms...),
		Validator: func(ctx context.Context, s *v1alpha2.LLMInferenceService) error {
			_, err := (&v1alpha2.LLMInferenceServiceValidator{}).ValidateCreate(ctx, s)
			return err
		},
	}
	ctx := context.Background()
	for _, nn := range svcs {
		for i := 0; i < 1; i++ {
			if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: nn}); err != nil {
				fmt.Fprintln(os.Stderr, "reconcile:", err)
			}
		}
	}
	var out []any
	lists := []client.ObjectList{&appsv1.DeploymentList{}, &corev1.ServiceList{}, &corev1.ServiceAccountList{},
		&rbacv1.RoleList{}, &rbacv1.RoleBindingList{}, &rbacv1.ClusterRoleBindingList{},
		&igwapi.InferencePoolList{}, &gwapiv1.HTTPRouteList{}, &corev1.SecretList{}}
	for _, l := range lists {
		if err := c.List(ctx, l); err != nil {
			panic(err)
		}
		b, _ := json.Marshal(l)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if items, ok := m["items"].([]any); ok {
			out = append(out, items...)
		}
	}
	for _, nn := range svcs {
		s := &v1alpha2.LLMInferenceService{}
		_ = c.Get(ctx, nn, s)
		b, _ := json.Marshal(s.Status)
		fmt.Fprintln(os.Stderr, "status:", string(b))
	}
	b, _ := json.MarshalIndent(out, "", " ")
	fmt.Println(string(b))
}

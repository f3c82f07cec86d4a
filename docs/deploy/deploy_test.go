// Package deploy_test checks the Kubernetes examples in docs/deploy: they parse as YAML with the
// expected kinds, their parts refer to each other correctly, and the launchgate command lines
// and checklist in them are ones this launchgate accepts. No cluster is needed.
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/cli"
	"github.com/launchgate/launchgate/internal/config"
)

type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec yaml.Node         `yaml:"spec"`
}

type podTemplate struct {
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		RestartPolicy string      `yaml:"restartPolicy"`
		Containers    []container `yaml:"containers"`
		Volumes       []struct {
			Name      string `yaml:"name"`
			ConfigMap struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type container struct {
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	SecurityContext struct {
		ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
	} `yaml:"securityContext"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// load reads every document of a manifest file.
func load(t *testing.T, file string) []object {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []object
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", file, len(out)+1, err)
		}
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
			t.Errorf("%s: document %d lacks apiVersion, kind or metadata.name", file, len(out)+1)
		}
		out = append(out, o)
	}
}

func kinds(objs []object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Kind)
	}
	return out
}

func byKind(t *testing.T, objs []object, kind string) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("no %s", kind)
	return object{}
}

func decodeSpec(t *testing.T, o object, v any) {
	t.Helper()
	if err := o.Spec.Decode(v); err != nil {
		t.Fatalf("%s %s: spec: %v", o.Kind, o.Metadata.Name, err)
	}
}

// command checks that args are a launchgate command line this launchgate accepts, and returns
// the command's name and its positional arguments.
func command(t *testing.T, args []string) (string, []string) {
	t.Helper()
	root := cli.NewRootCmd(cli.System())
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Fatalf("launchgate %v: %v", args, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("launchgate %v: %v", args, err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		t.Fatalf("launchgate %v: %v", args, err)
	}
	return cmd.Name(), cmd.Flags().Args()
}

// checklistFile checks that the container reads its checklist from the ConfigMap's
// launchgate.yaml, mounted from the volume that holds it.
func checklistFile(t *testing.T, c container, pod podTemplate, cm object, file string) {
	t.Helper()
	if _, ok := cm.Data[path.Base(file)]; !ok {
		t.Errorf("ConfigMap %s has no %s", cm.Metadata.Name, path.Base(file))
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath != path.Dir(file) {
			continue
		}
		for _, v := range pod.Spec.Volumes {
			if v.Name == m.Name && v.ConfigMap.Name == cm.Metadata.Name {
				return
			}
		}
	}
	t.Errorf("%s is not mounted from ConfigMap %s", file, cm.Metadata.Name)
}

func TestServeManifests(t *testing.T) {
	objs := load(t, "kubernetes/serve.yaml")
	if got := kinds(objs); !slices.Equal(got, []string{"ConfigMap", "Deployment", "Service", "ServiceMonitor"}) {
		t.Fatalf("kinds %v", got)
	}
	cm := byKind(t, objs, "ConfigMap")
	if _, err := config.Parse("launchgate.yaml", []byte(cm.Data["launchgate.yaml"]), config.Options{Getenv: func(string) string { return "" }}); err != nil {
		t.Errorf("the ConfigMap's checklist does not load:\n%v", err)
	}

	var dep struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template podTemplate `yaml:"template"`
	}
	decodeSpec(t, byKind(t, objs, "Deployment"), &dep)
	c := dep.Template.Spec.Containers[0]
	name, args := command(t, c.Args)
	if name != "serve" || len(args) != 1 {
		t.Fatalf("the Deployment runs launchgate %v", c.Args)
	}
	checklistFile(t, c, dep.Template, cm, args[0])
	if !strings.Contains(strings.Join(c.Args, " "), "--listen :9469") || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 9469 {
		t.Errorf("serve listens on %v, the container exposes %+v", c.Args, c.Ports)
	}
	for _, p := range []*probe{c.LivenessProbe, c.ReadinessProbe} {
		// /gate would restart launchgate, or drop it from its Service, whenever the gate closes.
		if p == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port != c.Ports[0].Name {
			t.Errorf("probe %+v: want /healthz on %s", p, c.Ports[0].Name)
		}
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("serve writes nothing: the root filesystem should be read-only")
	}
	for k, v := range dep.Selector.MatchLabels {
		if dep.Template.Metadata.Labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not select its pods", k, v)
		}
	}

	svc := byKind(t, objs, "Service")
	var svcSpec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	}
	decodeSpec(t, svc, &svcSpec)
	for k, v := range svcSpec.Selector {
		if dep.Template.Metadata.Labels[k] != v {
			t.Errorf("the Service's selector %s=%s does not select the pods", k, v)
		}
	}
	if len(svcSpec.Ports) != 1 || svcSpec.Ports[0].TargetPort != c.Ports[0].Name {
		t.Errorf("Service ports %+v, want one to %s", svcSpec.Ports, c.Ports[0].Name)
	}

	var sm struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	}
	decodeSpec(t, byKind(t, objs, "ServiceMonitor"), &sm)
	for k, v := range sm.Selector.MatchLabels {
		if svc.Metadata.Labels[k] != v {
			t.Errorf("the ServiceMonitor's selector %s=%s does not select the Service", k, v)
		}
	}
	if len(sm.Endpoints) != 1 || sm.Endpoints[0].Port != svcSpec.Ports[0].Name || sm.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want /metrics on %s", sm.Endpoints, svcSpec.Ports[0].Name)
	}
}

type jobSpec struct {
	BackoffLimit *int        `yaml:"backoffLimit"`
	Template     podTemplate `yaml:"template"`
}

func TestGateManifests(t *testing.T) {
	objs := load(t, "kubernetes/gate.yaml")
	if got := kinds(objs); !slices.Equal(got, []string{"Job", "CronJob"}) {
		t.Fatalf("kinds %v", got)
	}
	cm := byKind(t, load(t, "kubernetes/serve.yaml"), "ConfigMap")
	job := byKind(t, objs, "Job")
	if job.Metadata.Annotations["argocd.argoproj.io/hook"] != "PreSync" {
		t.Errorf("the Job is not an Argo CD PreSync hook: %v", job.Metadata.Annotations)
	}
	var js jobSpec
	decodeSpec(t, job, &js)
	var cron struct {
		JobTemplate struct {
			Spec jobSpec `yaml:"spec"`
		} `yaml:"jobTemplate"`
	}
	decodeSpec(t, byKind(t, objs, "CronJob"), &cron)
	for what, spec := range map[string]jobSpec{"Job": js, "CronJob": cron.JobTemplate.Spec} {
		c := spec.Template.Spec.Containers[0]
		name, args := command(t, c.Args)
		if name != "run" || len(args) != 1 {
			t.Errorf("the %s runs launchgate %v, want run FILE", what, c.Args)
			continue
		}
		checklistFile(t, c, spec.Template, cm, args[0])
		// A pod that restarts, or a Job that retries, would turn "closed" into "try again".
		if spec.Template.Spec.RestartPolicy != "Never" || spec.BackoffLimit == nil || *spec.BackoffLimit != 0 {
			t.Errorf("the %s retries a closed gate: restartPolicy %q, backoffLimit %v", what, spec.Template.Spec.RestartPolicy, spec.BackoffLimit)
		}
	}
}

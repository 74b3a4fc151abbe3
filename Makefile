# Built by `sam build`: every function in template.yaml has `Metadata: BuildMethod: makefile`, so SAM runs
# `make build-<LogicalId> ARTIFACTS_DIR=<dir>` once per function. All seven functions are the same Native AOT
# binary (Lambda's Handler property becomes _HANDLER, which selects the function), so the bootstrap is published
# once into artifacts/bootstrap-publish and each target only copies it.
#
#   make bootstrap                 publish the bootstrap only
#   RID=linux-arm64 sam build      for the arm64 Architecture parameter

RID ?= linux-x64
CONFIGURATION ?= Release
PUBLISH_DIR := artifacts/bootstrap-publish/$(RID)
BOOTSTRAP := $(PUBLISH_DIR)/bootstrap

# The logical ids of the functions in template.yaml: SAM calls build-<LogicalId>.
FUNCTIONS := DispatcherFunction ReplaceFunction VolumeFunction DrainFunction ConsulFunction PreactionFunction LifecycleFunction TrafficFunction
BUILD_TARGETS := $(addprefix build-,$(FUNCTIONS))

# Republish when any source or build setting changed; otherwise reuse the published binary.
SOURCES := $(shell find src -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.json' \) -not -path '*/bin/*' -not -path '*/obj/*') \
           $(wildcard Directory.Build.props Directory.Packages.props global.json)

.PHONY: bootstrap clean $(BUILD_TARGETS)

bootstrap: $(BOOTSTRAP)

# `touch`: publish may keep the old timestamp when nothing changed; make must then see the output as fresh.
$(BOOTSTRAP): $(SOURCES)
	dotnet publish src/MaxGroup.Functions -c $(CONFIGURATION) -r $(RID) -o $(PUBLISH_DIR)
	touch $@

$(BUILD_TARGETS): $(BOOTSTRAP)
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	cp $(BOOTSTRAP) "$(ARTIFACTS_DIR)/bootstrap"
	chmod 755 "$(ARTIFACTS_DIR)/bootstrap"

clean:
	rm -rf artifacts/bootstrap-publish

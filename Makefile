# Convenience entry points; the build itself is Meson (see docs/ARCHITECTURE.md).
.PHONY: all run test bench clean

all:
	@test -f build/build.ninja || meson setup build
	ninja -C build

# The main job on the embedded default repository: compile the project's
# own schema into it (on first use) and print its class tree.
run: all
	./build/src/owmi namespaces
	./build/src/owmi classes --tree

test:
	./tools/run-tests.sh

bench: all
	./build/bench/bench-mof ../shared/corpora

clean:
	rm -rf build build-sanitize build-fuzz

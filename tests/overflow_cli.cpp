// A program of one's own (README, "Your models on the command line") whose model overflows a
// thread's stack in some interleavings only: for the tests of what explore and replay do then.
#include "cli/command_line.hpp"
#include "models/bind.hpp"
#include "models/registry.hpp"
#include "models/std_env.hpp"

namespace {

/// Recursion without end, about 1 KiB a frame (volatile: not folded into a loop).
int descend(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  if (depth < 0) return frame[0];  // never: the stack runs out first
  return descend(depth + 1) + frame[0];
}

/// The same, reading `flag` at every level: a step each, so the overflow may come in the
/// simulator's own code, between two steps.
template <class Flag>
int descend_reading(Flag& flag, int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth + flag.load());
  if (depth < 0) return frame[0];
  return descend_reading(flag, depth + 1) + frame[0];
}

/// 'walker' descends for ever if 'setter' has set the flag before it looks.
template <class Env>
void flag_then_descend(Env& env, bool reading) {
  interleave::Shared<Env, int> flag(env, "flag", 0);
  auto setter = env.spawn("setter", [&] { flag.store(1); });
  auto walker = env.spawn("walker", [&] {
    if (flag.load() == 1) flag.store(reading ? descend_reading(flag, 0) : descend(0));
  });
  setter.join();
  walker.join();
}

interleave::ModelInfo descent_model() {
  interleave::ModelInfo m;
  m.name = "descent";
  m.description = "a thread recurses without end when another has set a flag before it looks";
  m.variants = {{"unbounded", true, "the walker never stops descending"},
                {"reading", true, "as unbounded, reading the flag at every level"}};
  m.bind = [](const interleave::ParamValues& p) {
    const bool reading = p.variant == "reading";
    return interleave::both_environments([reading](auto& env) { flag_then_descend(env, reading); });
  };
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  interleave::add_model(descent_model());
  return interleave::run_command_line(argc, argv);
}

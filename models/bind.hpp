// Instantiates a model written over an environment for both environments, in one binary.
#pragma once

#include <utility>

#include "models/registry.hpp"
#include "models/sim_env.hpp"
#include "models/std_env.hpp"

namespace interleave {

/// A SimModel running `body(env)` with a SimEnv; `body` is generic over the environment.
template <class Body>
SimModel simulated(Body body) {
  return [body](Execution& x) mutable {
    SimEnv env(x);
    body(env);
  };
}

/// Both instantiations of a generic `body(env)`.
template <class Body>
ModelRunners both_environments(Body body) {
  return ModelRunners{simulated(body), [body](StdEnv& env) mutable { body(env); }};
}

}  // namespace interleave

// The registry: every model by name, and parameter resolution with one-line errors.
#include "models/registry.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "sim/input_error.hpp"
#include "sim/internal_check.hpp"

namespace interleave {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

void check_value(const ModelInfo& model, const ParamSpec& spec, double value) {
  if (std::isnan(value)) throw InputError("param " + spec.name + " is not a number");
  if (spec.integer && std::floor(value) != value) {
    throw InputError("param " + spec.name + " must be a whole number, got " + number_text(value));
  }
  if (value < spec.min || value > spec.max) {
    throw InputError("param " + spec.name + "=" + number_text(value) + " is out of range [" +
                     number_text(spec.min) + ", " + number_text(spec.max) + "] for model " +
                     model.name);
  }
}

const ParamSpec& find_param(const ModelInfo& model, const std::string& name) {
  for (const ParamSpec& p : model.params) {
    if (p.name == name) return p;
  }
  std::vector<std::string> names;
  for (const ParamSpec& p : model.params) names.push_back(p.name);
  throw InputError("unknown param '" + name + "' for model " + model.name +
                   (names.empty() ? " (it takes none)" : " (params: " + join_names(names) + ")"));
}

const VariantSpec& require_variant(const ModelInfo& model, std::string_view variant) {
  if (variant.empty()) return model.variants.front();
  if (const VariantSpec* v = model.find_variant(variant)) return *v;
  std::vector<std::string> names;
  for (const VariantSpec& v : model.variants) names.push_back(v.name);
  throw InputError("unknown variant '" + std::string(variant) + "' for model " + model.name +
                   " (variants: " + join_names(names) + ")");
}

void set(ParamValues& out, const std::string& name, double value) {
  for (auto& [n, v] : out.values) {
    if (n == name) v = value;
  }
}

}  // namespace

const VariantSpec* ModelInfo::find_variant(std::string_view variant) const {
  for (const VariantSpec& v : variants) {
    if (v.name == variant) return &v;
  }
  return nullptr;
}

double ParamValues::get(std::string_view name) const {
  for (const auto& [n, v] : values) {
    if (n == name) return v;
  }
  INTERLEAVE_INTERNAL_CHECK(false, "a model asked for a param it does not declare");
  return 0;
}

namespace {

std::vector<ModelInfo> built_in_models() {
  std::vector<ModelInfo> all;
  all.push_back(counter_heartbeat_model());
  all.push_back(races_model());
  all.push_back(dining_philosophers_model());
  all.push_back(lock_order_model());
  all.push_back(bank_transfer_model());
  all.push_back(wakeup_model());
  for (ModelInfo& m : dpor_benchmark_models()) all.push_back(std::move(m));
  return all;
}

std::vector<ModelInfo>& registry() {
  static std::vector<ModelInfo> all = built_in_models();
  return all;
}

bool is_name(std::string_view name) {
  if (name.empty() || name.front() == '-') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

/// What is wrong with `m` as a registry entry; empty if nothing.
std::string entry_error(const ModelInfo& m) {
  if (!is_name(m.name)) {
    return "a model's name is one word of letters, digits, '_' and '-', not '" + m.name + "'";
  }
  if (find_model_or_null(m.name) != nullptr)
    return "there is a model named '" + m.name + "' already";
  if (!m.bind) return "model " + m.name + " has no bind (how to run it)";
  if (m.variants.empty()) return "model " + m.name + " has no variant (name at least one)";
  for (std::size_t i = 0; i < m.variants.size(); ++i) {
    if (!is_name(m.variants[i].name)) {
      return "model " + m.name + ": a variant's name is one word, not '" + m.variants[i].name + "'";
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (m.variants[j].name == m.variants[i].name) {
        return "model " + m.name + " has two variants named '" + m.variants[i].name + "'";
      }
    }
  }
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    const ParamSpec& p = m.params[i];
    if (!is_name(p.name))
      return "model " + m.name + ": a param's name is one word, not '" + p.name + "'";
    for (std::size_t j = 0; j < i; ++j) {
      if (m.params[j].name == p.name)
        return "model " + m.name + " has two params named '" + p.name + "'";
    }
    const std::string where = "model " + m.name + ", param " + p.name + ": ";
    if (!std::isfinite(p.min) || !std::isfinite(p.max)) {
      return where + "its range [" + number_text(p.min) + ", " + number_text(p.max) +
             "] must be finite";
    }
    if (p.min > p.max) {
      return where + "min " + number_text(p.min) + " is above max " + number_text(p.max);
    }
    for (const double d : {p.default_value, p.native_default.value_or(p.default_value)}) {
      if (!(d >= p.min && d <= p.max) || (p.integer && std::floor(d) != d)) {
        return where + "the default " + number_text(d) + " is not a value it accepts";
      }
    }
  }
  return {};
}

}  // namespace

const std::vector<ModelInfo>& models() {
  return registry();
}

const ModelInfo* find_model_or_null(std::string_view name) {
  for (const ModelInfo& m : registry()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

void add_model(ModelInfo model) {
  const std::string error = entry_error(model);
  if (!error.empty()) throw std::invalid_argument("add_model: " + error);
  registry().push_back(std::move(model));
}

const ModelInfo& find_model(std::string_view name) {
  if (const ModelInfo* m = find_model_or_null(name)) return *m;
  std::vector<std::string> names;
  for (const ModelInfo& m : registry()) names.push_back(m.name);
  throw InputError("unknown model '" + std::string(name) + "' (models: " + join_names(names) + ")");
}

ParamValues resolve_params(const ModelInfo& model, std::string_view variant,
                           const std::vector<std::string>& overrides, bool native) {
  ParamValues out;
  out.variant = require_variant(model, variant).name;
  for (const ParamSpec& p : model.params) {
    out.values.emplace_back(p.name,
                            native && p.native_default ? *p.native_default : p.default_value);
  }
  for (const std::string& kv : overrides) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError("--param expects NAME=VALUE, got '" + kv + "'");
    }
    const std::string name = kv.substr(0, eq);
    const std::string text = kv.substr(eq + 1);
    const ParamSpec& spec = find_param(model, name);
    for (const std::string& earlier : overrides) {
      if (&earlier == &kv) break;
      if (earlier.compare(0, eq + 1, kv, 0, eq + 1) == 0) {
        throw InputError("param " + name + " given twice ('" + earlier + "' and '" + kv + "')");
      }
    }
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    // Decimal only: strtod also takes hexadecimal ("0x10"), "inf" and leading spaces.
    const bool decimal = text.find_first_not_of("0123456789.eE+-") == std::string::npos;
    if (text.empty() || !decimal || end == nullptr || *end != '\0' || !std::isfinite(value)) {
      throw InputError("param " + name + ": '" + text + "' is not a number");
    }
    check_value(model, spec, value);
    set(out, name, value);
  }
  return out;
}

ParamValues params_from_trace(const ModelInfo& model, const std::string& variant,
                              const std::vector<std::pair<std::string, double>>& params) {
  ParamValues out = resolve_params(model, variant, {});
  for (const auto& [name, value] : params) {
    check_value(model, find_param(model, name), value);
    set(out, name, value);
  }
  return out;
}

std::string format_note(const ModelInfo& model, std::string_view label, int64_t value,
                        double seconds) {
  if (model.format_note) {
    std::string line = model.format_note(label, value, seconds);
    if (!line.empty()) return line;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.*s = %lld at +%.2f s", static_cast<int>(label.size()),
                label.data(), static_cast<long long>(value), seconds);
  return buf;
}

}  // namespace interleave

"""Messages of the payroll rules (English; translations in server/i18n/payroll-rules.<lang>.po)."""

MESSAGES: dict[str, str] = {
    "invalid_rule_code": "Use lowercase Latin letters, digits and underscores only (a-z, 0-9, _).",
    "brackets_start_at_zero": "The first bracket must start at 0.",
    "brackets_not_ascending": "Each threshold must be greater than the one before it ({previous}).",
    "too_precise": "Use at most {places} decimal places.",
    "base_minus_self": "A rule cannot subtract itself from its own base.",
    "base_minus_not_withholding": "{rule} is not withheld from pay, so it cannot be subtracted from a base.",
    "base_minus_cycle": "Subtracting {rule} would make these rules depend on each other in a circle.",
    "tax_rule_in_use": "The rules {codes} subtract this rule from their base; change them first.",
    "preset_codes_exist": "Rules with these codes already exist: {codes}. Load the preset with replace to update them.",
    "preset_code_exists": "Rule {rule} already exists.",
    # How a tax or contribution line was computed (payroll.explain.describe; params from taxes.compute).
    "explain_tax": "{percent}% of {taxed}, less {earlier} withheld before, rounded to {rounding} {currency}",
    "tax_presets_notice": (
        "These rules are configurable examples, not legal or tax advice. Rates, thresholds and ceilings "
        "change: check each figure against the law in force before you use it."
    ),
}

"""Messages of payslip documents and payroll reports (English; translations: i18n/payroll-documents.<lang>.po)."""

MESSAGES: dict[str, str] = {
    # input and state errors
    "kind_not_registered": "Documents of kind {kind} are not made here: a payslip comes from its payroll run "
                           "(GET /api/v1/payroll-runs/<run>/payslips/<employee>/document).",
    "payslip_run_not_calculated": "Run {run} is not calculated yet: it has no payslips to print.",
    "run_or_period": "Name either a run (run_id) or a month (period, optionally with branch_id), not both.",
    # what a payslip prints
    "payslip_not_final": "Not final: payroll {run} is not posted yet, and these figures may still change.",
    "payslip_adjustment": "Correction of payroll {run} of the same month.",
    # the payroll register and the cost per department
    "payroll_register_title": "Payroll register",
    "payroll_cost_title": "Payroll cost by department",
    "payroll_report_runs": "Payroll runs: {runs}",
    "payroll_report_months": "Months: {from_month} to {to_month}",
    "payroll_report_staff_number": "Staff No.",
    "payroll_report_employee": "Employee",
    "payroll_report_department": "Department",
    "payroll_report_position": "Position",
    "payroll_report_run": "Run",
    "payroll_report_worked_days": "Days worked",
    "payroll_report_gross": "Gross pay",
    "payroll_report_deductions": "Deductions",
    "payroll_report_net": "Net pay",
    "payroll_report_contributions": "Employer contributions",
    "payroll_report_cost": "Total cost",
    "payroll_report_headcount": "Headcount",
    "payroll_report_no_department": "No department",
}

"""Payroll papers: payslips as Word or PDF documents, the payroll register and the cost per department."""

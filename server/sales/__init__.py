"""Orders, sales invoices and supplier bills, credit notes, number series and payment terms."""

"""The desk's widgets: header, queue, detail, on-the-wall list, rules list, filter, notice."""

# read_stat.R - read an SPSS .sav or Stata .dta with R's haven (a reader we
# did not write) and write what it saw as two CSV files for sync_formats.py:
#   OUT.meta.csv   var, class, label, format, na_values, labels (code=label;...)
#   OUT.cells.csv  var, row, value, is_na, tag (haven's na_tag: a/b in Stata)
# usage: Rscript read_stat.R FILE sav|dta OUT
args <- commandArgs(trailingOnly = TRUE)
path <- args[1]
kind <- args[2]
out <- args[3]
suppressPackageStartupMessages(library(haven))
d <- if (kind == "sav") read_sav(path, user_na = TRUE) else read_dta(path)
# Classes and dates as a user sees them by default (user-missing codes as NA:
# a date column with codes is a labelled double when they are kept).
plain <- if (kind == "sav") read_sav(path) else d
meta <- list()
cells <- list()
for (v in names(d)) {
  x <- d[[v]]
  p <- plain[[v]]
  lab <- attr(x, "label")
  if (is.null(lab)) lab <- ""
  fmt <- attr(x, "format.spss")
  if (is.null(fmt)) fmt <- attr(x, "format.stata")
  if (is.null(fmt)) fmt <- ""
  nav <- attr(x, "na_values")
  nav <- if (is.null(nav)) "" else paste(nav, collapse = ";")
  vl <- attr(x, "labels")
  vls <- ""
  if (!is.null(vl)) {
    codes <- unclass(unname(vl))
    keys <- if (is.double(codes)) {
      ifelse(is.na(na_tag(codes)), as.character(codes), paste0(".", na_tag(codes)))
    } else {
      as.character(codes)
    }
    vls <- paste(paste0(keys, "=", names(vl)), collapse = ";")
  }
  meta[[v]] <- data.frame(var = v, class = paste(class(p), collapse = " "), label = lab,
                          format = fmt, na_values = nav, labels = vls)
  raw <- unclass(x)
  val <- if (inherits(p, "POSIXct")) {
    format(p, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
  } else if (inherits(p, "Date")) {
    format(p, "%Y-%m-%d")
  } else {
    as.character(raw)
  }
  tag <- if (is.double(raw) && !inherits(p, "POSIXct") && !inherits(p, "Date")) {
    na_tag(raw)
  } else {
    rep(NA_character_, length(raw))
  }
  cells[[v]] <- data.frame(var = rep(v, length(val)), row = seq_along(val),
                           value = ifelse(is.na(val), ifelse(is.na(raw), "", as.character(raw)), val),
                           is_na = is.na(x),
                           tag = ifelse(is.na(tag), "", tag))
}
write.csv(do.call(rbind, meta), paste0(out, ".meta.csv"), row.names = FALSE,
          fileEncoding = "UTF-8")
write.csv(do.call(rbind, cells), paste0(out, ".cells.csv"), row.names = FALSE,
          fileEncoding = "UTF-8")

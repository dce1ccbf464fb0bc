/*
 * bodycam.h - umbrella header of libbodycam, the chain-of-custody catalog
 * for body-worn-camera footage.  Include this, or the module headers one
 * by one.
 */
#ifndef BODYCAM_BODYCAM_H
#define BODYCAM_BODYCAM_H

#define BODYCAM_VERSION	"0.1.0"

#include "bodycam/error.h"
#include "bodycam/util.h"
#include "bodycam/text.h"
#include "bodycam/hash.h"
#include "bodycam/canon.h"
#include "bodycam/sign.h"
#include "bodycam/media.h"
#include "bodycam/meta.h"
#include "bodycam/manifest.h"
#include "bodycam/catalog.h"
#include "bodycam/keys.h"
#include "bodycam/register.h"
#include "bodycam/annotate.h"
#include "bodycam/case.h"
#include "bodycam/custody.h"
#include "bodycam/purge.h"
#include "bodycam/verify.h"
#include "bodycam/audit.h"
#include "bodycam/merkle.h"
#include "bodycam/note.h"
#include "bodycam/tlog.h"
#include "bodycam/tiles.h"
#include "bodycam/witness.h"
#include "bodycam/http.h"
#include "bodycam/tsa.h"
#include "bodycam/bundle.h"
#include "bodycam/token.h"
#include "bodycam/filter.h"
#include "bodycam/writer.h"
#include "bodycam/serve.h"
#include "bodycam/report.h"
#include "bodycam/buf.h"
#include "bodycam/retention.h"
#include "bodycam/conf.h"

#endif /* BODYCAM_BODYCAM_H */

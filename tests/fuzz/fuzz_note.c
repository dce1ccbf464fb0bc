/*
 * fuzz_note.c - libFuzzer target for the signed-note and checkpoint
 * readers: arbitrary bytes are parsed as a checkpoint and verified as a
 * signed note against a fixed key; neither may crash, read out of bounds
 * or accept what it then cannot describe.  A note that verifies must
 * carry a body that parses again to the same bytes' checkpoint.  The
 * same bytes are read as a tlog proof: one that parses, written again
 * from its parts (when it has no extra line), gives the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bodycam/note.h"
#include "bodycam/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bc_key *key;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bc_tlog_proof tp;
	struct bc_checkpoint cp;
	struct bc_err err;
	char *text = NULL;
	size_t textlen = 0, len = 0;
	int r;

	if (key == NULL && bc_key_generate(&key) != 0)
		abort();
	r = bc_checkpoint_parse((const char *)data, size, &cp, &err);
	if (r == 0) {
		/* what parsed can be written again, and reads the same */
		if (bc_checkpoint_text(cp.origin, cp.size, cp.root, &text,
		    &len, &err) != 0 || len > size ||
		    memcmp(text, data, len) != 0)
			abort();
		free(text);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	if (bc_tlog_proof_parse((const char *)data, size, &tp, &err) == 0) {
		if (tp.note < (const char *)data || tp.notelen > size ||
		    tp.note + tp.notelen != (const char *)data + size)
			abort();
		if (!tp.has_extra) {
			if (bc_tlog_proof_format(tp.index,
			    (const uint8_t (*)[BC_SHA256_LEN])tp.hashes,
			    tp.nhashes, tp.note, tp.notelen, &text, &len,
			    &err) != 0 || len != size ||
			    memcmp(text, data, len) != 0)
				abort();
			free(text);
			text = NULL;
		}
	} else if (err.msg[0] == '\0') {
		abort();
	}
	r = bc_note_verify((const char *)data, size, "bodycam.example/log",
	    key, &textlen, &err);
	/* a random key never signed these bytes */
	if (r == 0)
		abort();
	return 0;
}

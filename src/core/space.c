/*
 * space.c
 *	  The registry of search spaces, and what is generic about
 *	  architectures: hashing, and finding the space of a text.
 */
#include "ctnas_space.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ctnas_graph.h"
#include "ctnas_json.h"

/* In id order; the first is the space of JSON objects that no other claims. */
static const ct_space *const spaces[] = {
	&ct_space_nb101,
	&ct_space_nb201,
	&ct_space_darts,
	&ct_space_ofa,
};

#define NSPACES ((int) (sizeof(spaces) / sizeof(spaces[0])))

const ct_space *
ct_space_nth(int i)
{
	return i >= 0 && i < NSPACES ? spaces[i] : NULL;
}

const ct_space *
ct_space_by_id(int id)
{
	for (int i = 0; i < NSPACES; i++)
		if (spaces[i]->id == id)
			return spaces[i];
	return NULL;
}

const ct_space *
ct_space_by_name(const char *name)
{
	for (int i = 0; i < NSPACES; i++)
		if (strcmp(spaces[i]->name, name) == 0)
			return spaces[i];
	return NULL;
}

const ct_space *
ct_space_of(const ct_arch *a)
{
	return ct_space_by_id(a->space);
}

const char *
ct_space_names(void)
{
	static char names[256];

	if (names[0] == '\0')
		for (int i = 0; i < NSPACES; i++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i > 0 ? ", " : "", spaces[i]->name);
	return names;
}

uint64_t
ct_arch_hash64(const ct_arch *a)
{
	const ct_space *sp = ct_space_of(a);
	uint64_t	h;

	if (sp != NULL && sp->hash64 != NULL)
		return sp->hash64(a);
	h = (uint64_t) a->space * 0x9E3779B97F4A7C15ULL ^ a->len;

	for (int i = 0; i < a->len; i++)
		h = (h ^ a->bytes[i]) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

/* The forms every space accepts, for the error on a text no space reads. */
static const char *
all_forms(void)
{
	static char forms[1024];

	if (forms[0] == '\0')
	{
		snprintf(forms, sizeof(forms), "Accepted forms:");
		for (int i = 0; i < NSPACES; i++)
			snprintf(forms + strlen(forms), sizeof(forms) - strlen(forms), "%s %s: %s",
					 i > 0 ? ";" : "", spaces[i]->title, spaces[i]->forms);
		snprintf(forms + strlen(forms), sizeof(forms) - strlen(forms), ".");
	}
	return forms;
}

bool
ct_arch_from_cjson(const cJSON *root, ct_arch *out, ct_error *err)
{
	const cJSON *space = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "space") : NULL;

	memset(out, 0, sizeof(*out));
	if (space != NULL)
	{
		const ct_space *sp = cJSON_IsString(space) ? ct_space_by_name(space->valuestring) : NULL;

		if (sp == NULL)
			return ct_fail(err, CT_ERR_INVALID, "archgraph names an unknown search space",
						   "\"space\" must be one of: %s.", ct_space_names());
		return sp->from_json(root, out, err);
	}
	if (cJSON_IsObject(root))
		for (int i = 1; i < NSPACES; i++)
			if (spaces[i]->claims_json != NULL && spaces[i]->claims_json(root))
				return spaces[i]->from_json(root, out, err);
	/* NAS-Bench-101's keys, and its errors for objects nobody claims, exactly as in 0.1.0 */
	return spaces[0]->from_json(root, out, err);
}

bool
ct_arch_parse(const char *text, ct_arch *out, ct_error *err)
{
	const char *p = text;
	cJSON	   *root;
	bool		ok;

	memset(out, 0, sizeof(*out));
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '{' && *p != '[' && *p != '"')
	{
		for (int i = 0; i < NSPACES; i++)
			if (spaces[i]->from_native != NULL && spaces[i]->claims_native(p))
				return spaces[i]->from_native(p, out, err);
		if (*p != '\0' && !isdigit((unsigned char) *p) && *p != '-' &&
			strncmp(p, "true", 4) != 0 && strncmp(p, "false", 5) != 0 && strncmp(p, "null", 4) != 0)
			return ct_fail(err, CT_ERR_SYNTAX, "archgraph is neither JSON nor a known string form", "%s", all_forms());
	}
	root = ct_json_parse_text(text, "archgraph", err);
	if (root == NULL)
		return false;
	ok = ct_arch_from_cjson(root, out, err);
	cJSON_Delete(root);
	return ok;
}

size_t
ct_arch_to_text(const ct_arch *a, char *buf, size_t size)
{
	return ct_space_of(a)->to_text(a, buf, size);
}

size_t
ct_arch_to_dot(const ct_arch *a, char *buf, size_t size)
{
	return ct_space_of(a)->to_dot(a, buf, size);
}

/* 16 bytes, as 0.1.0's NAS-Bench-101 cell: memory estimates are unchanged (ctnas_arch.h) */
_Static_assert(sizeof(ct_arch) == 16, "ct_arch must stay 16 bytes");

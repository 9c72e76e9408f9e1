// SPDX-License-Identifier: GPL-2.0-only
/* Intrusive lists: nodes live inside the caller's structs, so adding never allocates. */
#include "kv.h"

void kv_list_init(struct kv_list *head)
{
	head->next = head;
	head->prev = head;
}

void kv_list_add_tail(struct kv_list *head, struct kv_list *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

void kv_list_del(struct kv_list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = node;
	node->prev = node;
}

int kv_list_empty(const struct kv_list *head)
{
	return head->next == head;
}

size_t kv_list_count(const struct kv_list *head)
{
	const struct kv_list *pos;
	size_t n = 0;

	for (pos = head->next; pos != head; pos = pos->next)
		n++;
	return n;
}

/*
 * Insertion sort: the lists here hold a few dozen entries, and it is stable, so entries
 * that compare equal keep the order in which they were read.
 */
void kv_list_sort(struct kv_list *head,
		  int (*cmp)(const struct kv_list *a, const struct kv_list *b))
{
	struct kv_list sorted, *node, *pos;

	kv_list_init(&sorted);
	while (!kv_list_empty(head)) {
		node = head->next;
		kv_list_del(node);
		pos = sorted.prev;
		while (pos != &sorted && cmp(pos, node) > 0)
			pos = pos->prev;
		/* Insert after pos. */
		node->next = pos->next;
		node->prev = pos;
		pos->next->prev = node;
		pos->next = node;
	}
	if (kv_list_empty(&sorted))
		return;
	head->next = sorted.next;
	head->prev = sorted.prev;
	head->next->prev = head;
	head->prev->next = head;
}

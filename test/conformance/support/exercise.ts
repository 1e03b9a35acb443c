/**
 * Runs every operation of an adapter that a person or a job can trigger, against a
 * stand-in, so the recording proxy sees each request the adapter makes and each answer
 * it reads. Outcomes are not judged here: the adapter tests do that.
 */
import type { Action, Provider } from '../../../src/providers/types.js'
import { act } from '../../../src/providers/run.js'

/** Each account: looked up, preflighted for every action, then `actions` executed in order. */
export async function exerciseProvider(
  provider: Provider,
  emails: readonly string[],
  actions: readonly Action[],
  choices: Record<string, string> = {},
): Promise<void> {
  await provider.checkConnection()
  if (provider.listAccounts) {
    let page = await provider.listAccounts()
    while (page.nextCursor) page = await provider.listAccounts(page.nextCursor)
  }
  await provider.listAdmins?.()
  for (const email of emails) {
    const account = await provider.findAccount(email)
    if (!account) throw new Error(`stand-in has no account ${email}`)
    for (const action of provider.capabilities) if (action !== 'deprovision-access') await provider.preflight(account, action)
    for (const action of actions) {
      if (provider.capabilities.has(action)) await act(provider, account, action, choices)
    }
  }
}

// What a subscriber may give: an e-mail address or a webhook URL, checked before anything is
// stored or sent. Errors name the field.

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/**
 * The address, trimmed and in lower case (mail systems treat the local part case-blind in
 * practice, and one person must not hold two subscriptions by case); or an error message.
 */
export function checkEmail(text: string): { address: string } | { error: string } {
  const address = text.trim();
  if (address.length > 254 || !EMAIL.test(address))
    return { error: 'email is not an e-mail address such as name@example.com' };
  return { address: address.toLowerCase() };
}

/** An http(s) URL without credentials; or an error message. */
export function checkWebhookUrl(text: string): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { error: 'webhook is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { error: 'webhook must be an http:// or https:// URL' };
  if (url.username || url.password) return { error: 'webhook must not carry a user name or password' };
  if (url.toString().length > 2000) return { error: 'webhook is longer than 2000 characters' };
  return { url: url.toString() };
}

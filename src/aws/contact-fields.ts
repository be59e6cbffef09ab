/**
 * The fields of the Account Management API's AlternateContact and ContactInformation data types,
 * in the order AWS documents them. Data only: the shared reads and the contact validation use them.
 */

/** The Account API's AlternateContact fields, in the order AWS documents them. */
export const ALTERNATE_CONTACT_FIELDS = ['Name', 'Title', 'EmailAddress', 'PhoneNumber'] as const;
/** The Account API's ContactInformation fields, in the order AWS documents them. */
export const CONTACT_INFORMATION_FIELDS = [
  'FullName',
  'AddressLine1',
  'AddressLine2',
  'AddressLine3',
  'City',
  'StateOrRegion',
  'DistrictOrCounty',
  'PostalCode',
  'CountryCode',
  'PhoneNumber',
  'CompanyName',
  'WebsiteUrl',
] as const;
export type AlternateContactType = 'BILLING' | 'OPERATIONS' | 'SECURITY';
export type AlternateContactFields = Partial<Record<(typeof ALTERNATE_CONTACT_FIELDS)[number], string>>;
export type ContactInformationFields = Partial<Record<(typeof CONTACT_INFORMATION_FIELDS)[number], string>>;

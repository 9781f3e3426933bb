// The only behaviour the pages need from GOV.UK Frontend; each component enhances markup that already works
// without JavaScript.
import { Button, ErrorSummary, SkipLink, createAll } from 'govuk-frontend';

createAll(Button);
createAll(ErrorSummary);
createAll(SkipLink);

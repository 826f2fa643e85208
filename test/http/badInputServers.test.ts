import { itAnswersEach, useBadInputGateway } from './badInput.js';
import { SERVER_CASES } from './badInputServerCases.js';

describe('bad input: POST /mcp/servers refuses a malformed or unsafe server definition', () => {
  itAnswersEach(useBadInputGateway(), SERVER_CASES);
});
